using LogBus.Internal;
using Microsoft.EntityFrameworkCore;

namespace LogBus.EntityFrameworkCore.Internal;

/// <summary>
/// Outbox rows of one DbContext between <c>Publish</c> and commit. Owned by that DbContext (one logical
/// flow at a time, like the DbContext itself); the interceptor moves rows from added to saved to
/// committed.
/// </summary>
internal sealed class OutboxPending
{
    private readonly List<(OutboxMessage Row, OutgoingMessage Message)> _added = [];
    private readonly List<(OutboxMessage Row, OutgoingMessage Message)> _saving = [];
    private readonly List<OutgoingMessage> _savedInTransaction = [];

    public void Add(OutboxMessage row, in OutgoingMessage message) => _added.Add((row, message));

    /// <summary>Rows added and not yet saved.</summary>
    public int Unsaved => _added.Count;

    /// <summary>SaveChanges starts: remember which added rows it writes.</summary>
    public void OnSaving(DbContext context)
    {
        _saving.Clear();
        foreach (var entry in _added)
        {
            if (context.Entry(entry.Row).State == EntityState.Added)
            {
                _saving.Add(entry);
            }
        }
    }

    /// <summary>
    /// SaveChanges succeeded: <paramref name="saved"/> is how many outbox rows it wrote; returns those
    /// committed now (all of them when no transaction is open).
    /// </summary>
    public List<OutgoingMessage> OnSaved(bool inTransaction, out int saved)
    {
        saved = _saving.Count;
        var written = new List<OutgoingMessage>(_saving.Count);
        foreach (var entry in _saving)
        {
            _added.Remove(entry);
            written.Add(entry.Message);
        }
        _saving.Clear();
        if (inTransaction)
        {
            _savedInTransaction.AddRange(written);
            return [];
        }
        return written;
    }

    /// <summary>SaveChanges failed: the rows stay added (EF keeps them tracked).</summary>
    public void OnSaveFailed() => _saving.Clear();

    /// <summary>The transaction committed: rows saved in it are visible now.</summary>
    public List<OutgoingMessage> OnCommitted()
    {
        var committed = new List<OutgoingMessage>(_savedInTransaction);
        _savedInTransaction.Clear();
        return committed;
    }

    /// <summary>The transaction rolled back: rows saved in it are gone.</summary>
    public void OnRolledBack() => _savedInTransaction.Clear();

    /// <summary>Forgets everything (the unit of work is retried from scratch).</summary>
    public void Reset()
    {
        _added.Clear();
        _saving.Clear();
        _savedInTransaction.Clear();
    }
}

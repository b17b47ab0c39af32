namespace LogBus.Broker.Storage;

internal sealed partial class PartitionLog
{
    /// <summary>
    /// Closes the log cleanly: stops the flusher, writes the active segment's index files, fsyncs
    /// everything, moves the recovery point to the log end offset and checkpoints it. After this the
    /// directory is consistent without a scan (the <see cref="LogManager"/> then writes the
    /// clean-shutdown marker). Readers' leases stay valid; waiters are released. Idempotent.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }
        StopFlusher();
        try
        {
            lock (_appendLock)
            {
                if (Failure is null)
                {
                    var segments = _segments;
                    segments[^1].WriteIndexFiles();
                    segments[^1].ReleaseReservation();
                    foreach (var segment in segments)
                    {
                        if (segment.NeedsFlush)
                        {
                            segment.Flush();
                        }
                    }
                    lock (_flushGate)
                    {
                        Volatile.Write(ref _recoveryPoint, _logEndOffset);
                    }
                    WriteCheckpoint();
                }
            }
        }
        finally
        {
            CloseHandles(deleteFiles: false);
        }
    }

    /// <summary>
    /// Drops the log like a crashed process would: no index files, no fsync, no checkpoint. What was
    /// written stays in the files (the OS has it). Tests use this to simulate a crash.
    /// </summary>
    internal void Abandon()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }
        StopFlusher();
        CloseHandles(deleteFiles: false);
    }

    /// <summary>
    /// Closes the log and deletes its directory (topic deletion). Segment files are unlinked at once;
    /// readers holding regions keep reading them until they release their leases.
    /// </summary>
    public void Delete()
    {
        Interlocked.Exchange(ref _closed, 1);
        StopFlusher();
        lock (_appendLock)
        {
            CloseHandles(deleteFiles: true);
        }
        try
        {
            if (Directory.Exists(DirectoryPath))
            {
                Directory.Delete(DirectoryPath, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(DirectoryPath, $"cannot delete partition directory: {e.Message}", e);
        }
    }

    private void CloseHandles(bool deleteFiles)
    {
        var segments = Interlocked.Exchange(ref _segments, []);
        foreach (var segment in segments)
        {
            segment.Retire(deleteFiles);
        }
        ReleaseFlushWaiters();
        NotifyChanged();
    }
}

using LogBus.Internal;

namespace LogBus;

/// <summary>What a saga handler sees: the instance state and the message's context.</summary>
/// <typeparam name="TState">The saga state.</typeparam>
public sealed class SagaContext<TState> where TState : class, new()
{
    internal SagaContext(ConsumeContext message, string correlationId, TState state, bool isNew)
    {
        Message = message;
        CorrelationId = correlationId;
        State = state;
        IsNew = isNew;
    }

    /// <summary>The state of this instance. Changes are saved when the handler returns.</summary>
    public TState State { get; set; }

    /// <summary>The instance's correlation id.</summary>
    public string CorrelationId { get; }

    /// <summary>True when this message started the instance.</summary>
    public bool IsNew { get; }

    /// <summary>The consumed message's context (headers, position, ids).</summary>
    public ConsumeContext Message { get; }

    /// <summary>Cancelled when the consumer must stop.</summary>
    public CancellationToken CancellationToken => Message.CancellationToken;

    /// <summary>True after <see cref="Complete"/>.</summary>
    public bool IsCompleted { get; private set; }

    internal List<(object Message, DateTimeOffset DueAt)> Scheduled { get; } = [];

    /// <summary>
    /// Publishes a message caused by the consumed one. With the EF Core outbox it commits together with
    /// the state; otherwise it is sent at once (and again if the state save has to be retried).
    /// </summary>
    public Task Publish<TMessage>(TMessage message, CancellationToken cancellationToken = default) =>
        Message.Publish(message, cancellationToken);

    /// <summary>
    /// Schedules a message (typically a timeout the saga handles) to be published after
    /// <paramref name="delay"/>. It is persisted with the state (surviving restarts with a durable store)
    /// and cancelled when the instance completes first.
    /// </summary>
    public void Schedule<TMessage>(TMessage message, TimeSpan delay)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        Scheduled.Add((message, DateTimeOffset.UtcNow + delay));
    }

    /// <summary>Marks the instance finished: it is removed (or kept for <see cref="SagaOptions.KeepCompletedFor"/>) and its scheduled messages are cancelled.</summary>
    public void Complete() => IsCompleted = true;
}

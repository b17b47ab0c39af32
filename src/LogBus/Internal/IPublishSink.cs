namespace LogBus.Internal;

/// <summary>
/// Receives the records a scope publishes instead of the transport. The EF Core outbox registers one per
/// scope to turn publishes into outbox rows of the scope's DbContext.
/// </summary>
internal interface IPublishSink
{
    /// <summary>
    /// Takes the record, copying its bytes before returning (they live in per-thread buffers). Returns
    /// false to let the bus send it to the transport as usual.
    /// </summary>
    ValueTask<bool> TryAcceptAsync(OutgoingMessage message, CancellationToken cancellationToken);
}

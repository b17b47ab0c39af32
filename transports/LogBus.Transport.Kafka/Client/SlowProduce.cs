namespace LogBus.Transport.Kafka.Client;

/// <summary>
/// A produce call that could not append at once (producer id or topic metadata not known yet, buffer
/// full): a private copy of the record and the task the caller awaits.
/// </summary>
internal sealed class SlowProduce(OutgoingRecord record, CancellationToken cancellationToken)
    : TaskCompletionSource<DeliveryResult>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public OutgoingRecord Record { get; } = record;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>Completes with the appended record's result without blocking the slow-path worker.</summary>
    public void Forward(ValueTask<DeliveryResult> appended)
    {
        if (appended.IsCompleted)
        {
            try
            {
                TrySetResult(appended.Result);
            }
            catch (Exception ex)
            {
                TrySetException(ex);
            }
            return;
        }
        _ = ForwardAsync(appended);
    }

    private async Task ForwardAsync(ValueTask<DeliveryResult> appended)
    {
        try
        {
            TrySetResult(await appended.ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            TrySetException(ex);
        }
    }
}

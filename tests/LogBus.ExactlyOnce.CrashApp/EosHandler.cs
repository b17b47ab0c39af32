namespace LogBus.ExactlyOnce.CrashApp;

/// <summary>Publishes two outputs per input (awaited: in exactly-once mode they belong to the batch's transaction).</summary>
public sealed class EosHandler(IPublisher publisher) : IConsumer<EosInput>
{
    private static int s_handled;

    /// <summary>Handler calls in this process (committed or not).</summary>
    public static int Handled => Volatile.Read(ref s_handled);

    /// <inheritdoc />
    public async Task Consume(ConsumeContext<EosInput> context)
    {
        var id = context.Message.Id;
        await publisher.Publish(new EosOutput(id, 0), context.CancellationToken);
        await publisher.Publish(new EosOutput(id, 1), context.CancellationToken);
        Interlocked.Increment(ref s_handled);
    }
}

namespace LogBus.Benchmarks.Peers;

/// <summary>LogBus's no-op handler of the framework workload.</summary>
internal sealed class LogBusSmallConsumer(HandledCounter counter) : IConsumer<PeerSmallMessage>
{
    public Task Consume(ConsumeContext<PeerSmallMessage> context)
    {
        counter.Hit();
        return Task.CompletedTask;
    }
}

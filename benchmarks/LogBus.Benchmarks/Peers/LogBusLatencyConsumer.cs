namespace LogBus.Benchmarks.Peers;

/// <summary>LogBus's handler of the latency workload: records the end-to-end latency.</summary>
internal sealed class LogBusLatencyConsumer(LatencyCollector latencies) : IConsumer<PeerLatencyMessage>
{
    public Task Consume(ConsumeContext<PeerLatencyMessage> context)
    {
        latencies.Handled(context.Message);
        return Task.CompletedTask;
    }
}

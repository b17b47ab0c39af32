using MassTransit;

namespace LogBus.Benchmarks.Peers;

/// <summary>MassTransit's handler of the latency workload: records the end-to-end latency.</summary>
internal sealed class MassTransitLatencyConsumer(LatencyCollector latencies) : MassTransit.IConsumer<PeerLatencyMessage>
{
    public Task Consume(MassTransit.ConsumeContext<PeerLatencyMessage> context)
    {
        latencies.Handled(context.Message);
        return Task.CompletedTask;
    }
}

using MassTransit;

namespace LogBus.Benchmarks.Peers;

/// <summary>MassTransit's no-op handler of the framework workload.</summary>
internal sealed class MassTransitSmallConsumer(HandledCounter counter) : MassTransit.IConsumer<PeerSmallMessage>
{
    public Task Consume(MassTransit.ConsumeContext<PeerSmallMessage> context)
    {
        counter.Hit();
        return Task.CompletedTask;
    }
}

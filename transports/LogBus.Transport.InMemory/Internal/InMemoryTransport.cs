namespace LogBus.Transport.InMemory.Internal;

/// <summary>The in-memory <see cref="ITransport"/> over an <see cref="InMemoryBroker"/>.</summary>
internal sealed class InMemoryTransport(InMemoryBroker broker, bool ownsBroker) : ITransport
{
    private readonly InMemoryProducer _producer = new(broker);


    public string Name => "in-memory";

    public InMemoryBroker Broker => broker;

    public bool OwnsBroker => ownsBroker;

    public ITransportProducer Producer => _producer;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<int> EnsureTopicAsync(TopicSpecification topic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topic);
        return Task.FromResult(broker.CreateTopic(topic.Name, topic.Partitions));
    }

    public ITransportConsumer CreateConsumer(ConsumerSpecification specification)
    {
        ArgumentNullException.ThrowIfNull(specification);
        return new InMemoryConsumer(broker, specification);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

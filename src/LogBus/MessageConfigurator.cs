using LogBus.Internal;

namespace LogBus;

/// <summary>
/// Configures how messages of type <typeparamref name="T"/> map onto the log:
/// <c>bus.Message&lt;OrderPlaced&gt;(m =&gt; m.Topic("orders").Key(x =&gt; x.OrderId).Partitions(8))</c>.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
public sealed class MessageConfigurator<T>
{
    internal MessageConfigurator(MessageConfiguration configuration) => Configuration = configuration;

    internal MessageConfiguration Configuration { get; }

    /// <summary>The topic messages of this type are published to.</summary>
    /// <remarks>Defaults to the kebab-case type name (<c>OrderPlaced</c> → <c>order-placed</c>).</remarks>
    public MessageConfigurator<T> Topic(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        TopicNames.Validate(name);
        Configuration.Topic = name;
        return this;
    }

    /// <summary>
    /// Selects the partition key. Messages with equal keys go to the same partition and are consumed in
    /// publish order. The key is written as UTF-8 text (invariant culture; GUIDs in <c>D</c> format), so
    /// the partition equals what Kafka's Java client, librdkafka (murmur2) and kafkajs pick for that text.
    /// </summary>
    /// <remarks>Without a key selector messages have no key and spread over the partitions.</remarks>
    public MessageConfigurator<T> Key<TKey>(Func<T, TKey> selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        Configuration.KeySelector = new KeySelector<T, TKey>(selector);
        return this;
    }

    /// <summary>Number of partitions when LogBus creates the topic (an existing topic is left unchanged).</summary>
    /// <remarks>Defaults to <see cref="LogBusBuilder.DefaultPartitions"/>.</remarks>
    public MessageConfigurator<T> Partitions(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Configuration.Partitions = count;
        return this;
    }

    /// <summary>
    /// The stable message-type name written to the <c>message-type</c> header and used to pick the CLR
    /// type when consuming. Change it only together with every consumer.
    /// </summary>
    /// <remarks>Defaults to the full type name without assembly (e.g. <c>Orders.Contracts.OrderPlaced</c>).</remarks>
    public MessageConfigurator<T> Name(string messageTypeName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(messageTypeName);
        Configuration.Name = messageTypeName;
        return this;
    }
}

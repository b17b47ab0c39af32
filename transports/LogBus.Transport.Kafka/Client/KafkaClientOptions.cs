namespace LogBus.Transport.Kafka.Client;

/// <summary>Connection settings shared by the managed client's producer, consumer and admin client.</summary>
public class KafkaClientOptions
{
    /// <summary>
    /// Comma-separated <c>host:port</c> list of brokers to bootstrap from. After the first metadata
    /// response the client talks to the brokers the cluster advertises.
    /// </summary>
    /// <remarks>Defaults to <c>localhost:9092</c>.</remarks>
    public string BootstrapServers { get; set; } = "localhost:9092";

    /// <summary>The client id sent with every request (brokers log it and use it for quotas).</summary>
    /// <remarks>Defaults to <c>logbus</c>.</remarks>
    public string ClientId { get; set; } = "logbus";

    /// <summary>How long establishing a TCP connection may take.</summary>
    /// <remarks>Defaults to 10 seconds.</remarks>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a request may wait for its response (long-polling requests add their own wait). A
    /// request that times out closes its connection, as in Kafka's clients.
    /// </summary>
    /// <remarks>Defaults to 30 seconds.</remarks>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First wait before reconnecting to a broker that refused or dropped a connection; doubles up to <see cref="ReconnectBackoffMax"/>.</summary>
    /// <remarks>Defaults to 50 milliseconds.</remarks>
    public TimeSpan ReconnectBackoff { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Longest wait between reconnection attempts.</summary>
    /// <remarks>Defaults to 1 second.</remarks>
    public TimeSpan ReconnectBackoffMax { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest response frame accepted from a broker; a larger one closes the connection.</summary>
    /// <remarks>Defaults to 100 MiB.</remarks>
    public int MaxResponseSize { get; set; } = 100 * 1024 * 1024;

    /// <summary>Validates the settings; throws <see cref="ArgumentException"/> with the offending setting.</summary>
    public virtual void Validate()
    {
        if (string.IsNullOrWhiteSpace(BootstrapServers))
        {
            throw new ArgumentException("BootstrapServers must name at least one host:port.", nameof(BootstrapServers));
        }
        _ = BrokerEndpoint.ParseList(BootstrapServers);
        ArgumentException.ThrowIfNullOrEmpty(ClientId, nameof(ClientId));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero, nameof(ConnectTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RequestTimeout, TimeSpan.Zero, nameof(RequestTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReconnectBackoff, TimeSpan.Zero, nameof(ReconnectBackoff));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReconnectBackoffMax, ReconnectBackoff, nameof(ReconnectBackoffMax));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxResponseSize, 1024, nameof(MaxResponseSize));
    }
}

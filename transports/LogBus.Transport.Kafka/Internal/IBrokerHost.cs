namespace LogBus.Transport.Kafka.Internal;

/// <summary>A broker the transport runs itself (the embedded broker): started before connecting, stopped after.</summary>
internal interface IBrokerHost : IAsyncDisposable
{
    /// <summary>Starts the broker and returns the bootstrap servers to connect to.</summary>
    Task<string> StartAsync(CancellationToken cancellationToken);
}

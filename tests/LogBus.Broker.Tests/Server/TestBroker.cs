using LogBus.Broker.Server;
using LogBus.Broker.Tests.Storage;

namespace LogBus.Broker.Tests.Server;

/// <summary>An in-process broker on a free loopback port with a throwaway data directory; stopped and deleted on dispose.</summary>
internal sealed class TestBroker : IAsyncDisposable
{
    private TestBroker(LogBusBroker broker, TempDirectory directory, LogBusBrokerOptions options)
    {
        Broker = broker;
        Directory = directory;
        Options = options;
    }

    public LogBusBroker Broker { get; private set; }

    public TempDirectory Directory { get; }

    public LogBusBrokerOptions Options { get; }

    public int Port => Broker.Port;

    public BrokerServices Services => Broker.Services!;

    public static async Task<TestBroker> StartAsync(Action<LogBusBrokerOptions>? configure = null, TempDirectory? directory = null)
    {
        directory ??= new TempDirectory();
        var options = new LogBusBrokerOptions { Port = 0, DataDirectory = directory.Sub("data") };
        configure?.Invoke(options);
        var broker = new LogBusBroker(options);
        try
        {
            await broker.StartAsync();
        }
        catch
        {
            directory.Dispose();
            throw;
        }
        return new TestBroker(broker, directory, options);
    }

    /// <summary>Stops the broker cleanly and starts a new one on the same data directory (new port).</summary>
    public async Task RestartAsync()
    {
        await Broker.DisposeAsync();
        Options.Port = 0;
        Broker = new LogBusBroker(Options);
        await Broker.StartAsync();
    }

    public Task<RawKafkaClient> ConnectAsync() => RawKafkaClient.ConnectAsync(Port);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Broker.DisposeAsync();
        }
        finally
        {
            Directory.Dispose();
        }
    }
}

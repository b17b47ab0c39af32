using LogBus.Broker;

namespace LogBus.Transport.Kafka.Tests.Support;

/// <summary>
/// Our broker in this process on a free loopback port with a throwaway data directory. Restartable on
/// the same port and directory; disposing stops it and deletes the directory.
/// </summary>
public sealed class InProcessBroker : IAsyncDisposable
{
    private LogBusBroker? _broker;

    private InProcessBroker(string directory) => DataDirectory = directory;

    public string DataDirectory { get; }

    public int Port { get; private set; }

    public string Bootstrap => $"127.0.0.1:{Port}";

    public bool IsRunning => _broker?.IsRunning == true;

    public static async Task<InProcessBroker> StartAsync()
    {
        var broker = new InProcessBroker(Path.Combine(Path.GetTempPath(), "logbus-kafka-tests-" + Guid.NewGuid().ToString("N")));
        await broker.RestartAsync();
        return broker;
    }

    /// <summary>Stops the broker cleanly (when running) and starts it again on the same port and data.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        var broker = new LogBusBroker(new LogBusBrokerOptions { ListenAddress = "127.0.0.1", Port = Port, DataDirectory = DataDirectory });
        await broker.StartAsync();
        Port = broker.Port;
        _broker = broker;
    }

    public async Task StopAsync()
    {
        if (_broker is { } broker)
        {
            _broker = null;
            await broker.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}

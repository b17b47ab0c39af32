using LogBus.Broker.Storage;
using LogBus.Transport.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LogBus.Benchmarks.Peers;

/// <summary>LogBus on the in-memory transport or on the embedded broker (optionally fsyncing every append).</summary>
internal sealed class LogBusUnderTest : BusUnderTest
{
    private readonly string _transport;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "logbus-framework-peers-" + Guid.NewGuid().ToString("N")[..8]);
    private AsyncServiceScope _scope;
    private IPublisher? _publisher;

    private LogBusUnderTest(string system, string description, string transport)
        : base(system, description) => _transport = transport;

    /// <summary>LogBus, in-memory transport.</summary>
    public static LogBusUnderTest InMemory() => new("LogBus in-memory", "LogBus on its in-memory transport (in-process log, 8 partitions, one consumer group)", "inmemory");

    /// <summary>LogBus on the embedded broker with its defaults.</summary>
    public static LogBusUnderTest Embedded() => new("LogBus embedded broker",
        "LogBus on the bundled broker in the same process over loopback (8 partitions); producer defaults: acks=all, idempotent, 5 ms linger; no fsync (acknowledged in the OS page cache)", "embedded");

    /// <summary>LogBus on the embedded broker with the producer's linger at zero (a batch leaves as soon as the connection is free).</summary>
    public static LogBusUnderTest EmbeddedNoLinger() => new("LogBus (linger 0)",
        "as LogBus on the embedded broker, with the producer's linger at 0 instead of its 5 ms default: batches leave as soon as the connection can take them (lower latency at low rates, smaller batches)", "embedded-nolinger");

    /// <summary>LogBus on the embedded broker, every append fsynced before it is acknowledged.</summary>
    public static LogBusUnderTest EmbeddedFsync() => new("LogBus embedded broker, fsync",
        "as the embedded broker, with every topic at flush.messages=1: a produce is acknowledged after its fsync", "embedded-fsync");

    protected override IHost Build()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = "peers" });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(Counter);
        builder.Services.AddSingleton(Latencies);
        builder.Services.AddLogBus(bus =>
        {
            bus.Message<PeerSmallMessage>(m => m.Topic("peer-small").Key(x => x.Id).Partitions(8));
            bus.Message<PeerLatencyMessage>(m => m.Topic("peer-latency").Key(x => x.Id).Partitions(8));
            bus.AddConsumer<LogBusSmallConsumer>();
            bus.AddConsumer<LogBusLatencyConsumer>();
            if (_transport == "inmemory")
            {
                bus.UsingInMemory(o =>
                {
                    o.BrokerOptions.RetentionRecordsPerPartition = 2_000_000;
                    o.BrokerOptions.RetentionBytesPerPartition = 512L * 1024 * 1024;
                });
            }
            else
            {
                bus.UsingEmbeddedBroker(b =>
                {
                    b.DataDirectory = _directory;
                    b.Port = 0;
                    if (_transport == "embedded-nolinger")
                    {
                        b.Transport.Producer.Linger = TimeSpan.Zero;
                    }
                    if (_transport == "embedded-fsync")
                    {
                        b.ConfigureBroker = o => o.DefaultLogConfig = LogConfig.Default with { FlushOnEveryAppend = true };
                    }
                });
            }
        });
        return builder.Build();
    }

    protected override Task AfterStartAsync()
    {
        _scope = Host.Services.CreateAsyncScope();
        _publisher = _scope.ServiceProvider.GetRequiredService<IPublisher>();
        return Task.CompletedTask;
    }

    public override Task PublishAsync<T>(T message) => _publisher!.Publish(message);

    public override async ValueTask DisposeAsync()
    {
        await _scope.DisposeAsync();
        await base.DisposeAsync();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}

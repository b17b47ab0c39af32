using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LogBus.Benchmarks.Peers;

/// <summary>
/// MassTransit 8.4 in-memory or on RabbitMQ, with its usage telemetry disabled (nothing may leave this
/// machine): <c>DisableUsageTelemetry()</c> here and <c>MASSTRANSIT_USAGE_TELEMETRY=false</c> in the environment.
/// </summary>
internal sealed class MassTransitUnderTest : BusUnderTest
{
    /// <summary>Prefetch of the RabbitMQ receive endpoints (MassTransit's default is lower; a throughput-minded user raises it).</summary>
    public const int RabbitPrefetch = 1000;

    private readonly string? _amqp;
    private IBus? _bus;

    private MassTransitUnderTest(string system, string description, string? amqp)
        : base(system, description) => _amqp = amqp;

    /// <summary>MassTransit's in-memory transport.</summary>
    public static MassTransitUnderTest InMemory() => new("MassTransit in-memory", "MassTransit 8.4.0 in-memory transport, ConfigureEndpoints defaults", null);

    /// <summary>MassTransit on the RabbitMQ node at <paramref name="amqp"/>.</summary>
    public static MassTransitUnderTest RabbitMq(string amqp, int? serverPid) => new("MassTransit RabbitMQ",
        $"MassTransit 8.4.0 on RabbitMQ (RabbitMQ.Client 7.1.2) with its defaults: durable exchanges and classic queues, persistent messages, publisher confirms (a publish completes after the broker's fsync); receive endpoint prefetch {RabbitPrefetch}",
        amqp)
    { ServerPid = serverPid };

    protected override IHost Build()
    {
        Environment.SetEnvironmentVariable("MASSTRANSIT_USAGE_TELEMETRY", "false");
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = "peers" });
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("LOGBUS_BENCH_VERBOSE") == "1")
        {
            builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Debug);
        }
        builder.Services.AddSingleton(Counter);
        builder.Services.AddSingleton(Latencies);
        // Publishing starts right after StartAsync: wait until the receive endpoints (and their bindings) are ready.
        builder.Services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true);
        builder.Services.AddMassTransit(x =>
        {
            x.DisableUsageTelemetry();
            x.AddConsumer<MassTransitSmallConsumer>();
            x.AddConsumer<MassTransitLatencyConsumer>();
            if (_amqp is null)
            {
                x.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
            }
            else
            {
                x.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(new Uri(_amqp));
                    cfg.PrefetchCount = RabbitPrefetch;
                    cfg.ConfigureEndpoints(context);
                });
            }
        });
        return builder.Build();
    }

    protected override Task AfterStartAsync()
    {
        _bus = Host.Services.GetRequiredService<IBus>();
        return Task.CompletedTask;
    }

    public override Task PublishAsync<T>(T message) => _bus!.Publish(message);
}

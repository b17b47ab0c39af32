using LogBus.Transport.Compliance;
using LogBus.Transport.InMemory;
using Microsoft.Extensions.DependencyInjection;

namespace LogBus.Tests.Bus;

/// <summary>Starts a bus on an in-memory broker with the test harness and a <see cref="Recorder"/>.</summary>
internal static class TestBus
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static Task<BusHost> StartAsync(Action<LogBusBuilder> configure, InMemoryBroker? broker = null, Recorder? recorder = null, Action<IServiceCollection>? services = null) =>
        BusHost.StartAsync(
            bus =>
            {
                bus.ServiceName = "tests";
                configure(bus);
                bus.UsingInMemory(o => o.Broker = broker ?? new InMemoryBroker());
            },
            s =>
            {
                s.AddSingleton(recorder ?? new Recorder());
                services?.Invoke(s);
            });

    public static async Task PublishAsync<T>(this BusHost host, T message, string? key = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var scope = host.Services.CreateScope();
        var publisher = scope.ServiceProvider.GetRequiredService<IPublisher>();
        if (key is null && headers is null)
        {
            await publisher.Publish(message);
        }
        else
        {
            await publisher.Publish(message, key, headers);
        }
    }
}

using LogBus.Transport.InMemory;
using Microsoft.Extensions.DependencyInjection;

namespace LogBus.Tests.Bus;

public class ConfigurationTests
{
    private sealed class PingConsumer : IConsumer<Ping>
    {
        public Task Consume(ConsumeContext<Ping> context) => Task.CompletedTask;
    }

    private sealed class NotAConsumer;

    [Fact]
    public void A_second_AddLogBus_call_throws_and_says_what_to_do()
    {
        var services = new ServiceCollection();
        services.AddLogBus(bus => bus.UsingInMemory());
        var error = Assert.Throws<InvalidOperationException>(() => services.AddLogBus(bus => bus.UsingInMemory()));
        Assert.Contains("already called", error.Message, StringComparison.Ordinal);
        Assert.Contains("inside that single AddLogBus", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bus_without_transport_is_rejected_with_the_options()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddLogBus(bus => bus.AddConsumer<PingConsumer>()));
        Assert.Contains("UsingInMemory", error.Message, StringComparison.Ordinal);
        Assert.Contains("UsingKafka", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_transports_are_rejected() =>
        Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddLogBus(bus => bus.UsingInMemory().UsingInMemory()));

    [Fact]
    public void Registering_a_consumer_twice_or_a_class_that_consumes_nothing_is_rejected()
    {
        Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddLogBus(bus => bus.AddConsumer<PingConsumer>().AddConsumer<PingConsumer>().UsingInMemory()));
        Assert.Throws<ArgumentException>(() => new ServiceCollection().AddLogBus(bus => bus.AddConsumer<NotAConsumer>().UsingInMemory()));
    }

    [Fact]
    public void Invalid_consumer_options_fail_at_configuration()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddLogBus(bus => bus.AddConsumer<PingConsumer>(c => c.Concurrency = 0).UsingInMemory()));
        Assert.Contains("Concurrency", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_message_types_with_one_name_are_rejected()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddLogBus(bus =>
            bus.Message<Ping>(m => m.Name("same")).Message<Other>(m => m.Name("same")).UsingInMemory()));
        Assert.Contains("same", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddConsumers_registers_every_consumer_class_of_an_assembly()
    {
        var services = new ServiceCollection();
        services.AddLogBus(bus => bus.AddConsumers(typeof(ConfigurationTests).Assembly).UsingInMemory());
        Assert.Contains(services, d => d.ServiceType == typeof(PingConsumer));
        Assert.Contains(services, d => d.ServiceType == typeof(ScanMe));
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(NotAConsumer));
    }

    [Fact]
    public async Task Topics_default_to_kebab_case_and_follow_the_message_configuration()
    {
        var broker = new InMemoryBroker();
        await using var host = await TestBus.StartAsync(bus => bus.Message<Other>(m => m.Topic("custom-other").Partitions(3)), broker);
        await host.PublishAsync(new Ping("k", 1));
        await host.PublishAsync(new Other(1));
        Assert.Contains("ping", broker.Topics);
        Assert.Equal(8, broker.GetPartitionCount("ping"));
        Assert.Equal(3, broker.GetPartitionCount("custom-other"));
    }
}

public sealed class ScanMe : IConsumer<Other>
{
    public Task Consume(ConsumeContext<Other> context) => Task.CompletedTask;
}

using LogBus.Tests.Bus;
using LogBus.Transport.Compliance;
using LogBus.Transport.InMemory;
using Microsoft.Extensions.DependencyInjection;

namespace LogBus.Tests.Sagas;

public class SagaTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static Task<BusHost> StartAsync(Action<LogBusBuilder> configure, InMemoryBroker broker, SagaProbe probe, FinishedLog log) =>
        BusHost.StartAsync(
            bus =>
            {
                bus.ServiceName = "sagas";
                configure(bus);
                bus.UsingInMemory(o => o.Broker = broker);
            },
            services => services.AddSingleton(probe).AddSingleton(log));

    [Fact]
    public async Task An_order_walks_through_payment_and_shipping_and_the_completed_instance_is_removed()
    {
        var probe = new SagaProbe();
        var log = new FinishedLog();
        var broker = new InMemoryBroker();
        await using var host = await StartAsync(bus => bus.AddSaga<OrderSaga>().AddConsumer<FinishedConsumer>(), broker, probe, log);
        var orderId = Guid.NewGuid();
        await host.PublishAsync(new[] { (object)new OrderSubmitted(orderId, 12.5m) });
        await host.PublishAsync(new[] { (object)new PaymentAccepted(orderId) });
        await host.PublishAsync(new[] { (object)new OrderShipped(orderId) });
        await host.Harness.WaitForIdle(Timeout);

        Assert.Equal(["submitted", "paid", "shipped"], probe.Final[orderId].History);
        Assert.Equal("shipped", Assert.Single(log.Outcomes).Outcome);
        Assert.Single(host.Harness.Published<ChargeRequested>());
        // Completed: removed, and a late message for it is ignored (not started, not dead-lettered).
        await host.PublishAsync(new[] { (object)new PaymentAccepted(orderId) });
        await host.Harness.WaitForIdle(Timeout);
        Assert.DoesNotContain("order-saga.dead-letter", broker.Topics);
    }

    [Fact]
    public async Task Saga_messages_share_one_topic_keyed_by_correlation_id_so_one_instance_lives_in_one_partition()
    {
        var broker = new InMemoryBroker();
        await using var host = await StartAsync(bus => bus.AddSaga<OrderSaga>(), broker, new SagaProbe(), new FinishedLog());
        var orderId = Guid.NewGuid();
        await host.PublishAsync(new[] { (object)new OrderSubmitted(orderId, 1m) });
        await host.PublishAsync(new[] { (object)new PaymentAccepted(orderId) });
        await host.Harness.WaitForIdle(Timeout);
        var expected = LogBus.Protocol.Murmur2.Partition(System.Text.Encoding.UTF8.GetBytes(orderId.ToString("D")), 8);
        var records = broker.Read("order-saga", expected, 0, 10);
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.Equal(orderId.ToString("D"), System.Text.Encoding.UTF8.GetString(r.Key!.Value.Span)));
    }

    [Fact]
    public async Task A_scheduled_timeout_fires_and_one_cancelled_by_completion_does_not()
    {
        var probe = new SagaProbe { PaymentWindow = TimeSpan.FromMilliseconds(300) };
        var log = new FinishedLog();
        var broker = new InMemoryBroker();
        await using var host = await StartAsync(bus => bus.AddSaga<OrderSaga>(s => s.SchedulePollInterval = TimeSpan.FromMilliseconds(50)).AddConsumer<FinishedConsumer>(), broker, probe, log);
        var expires = Guid.NewGuid();
        var completes = Guid.NewGuid();
        await host.PublishAsync(new object[] { new OrderSubmitted(expires, 1m), new OrderSubmitted(completes, 2m) });
        await host.PublishAsync(new object[] { new PaymentAccepted(completes), new OrderShipped(completes) });
        await ConsumingTests.WaitUntilAsync(() => log.Outcomes.Count == 2);
        await Task.Delay(500); // past the deadline of the completed order too
        await host.Harness.WaitForIdle(Timeout);
        var outcomes = log.Outcomes.ToDictionary(o => o.OrderId, o => o.Outcome);
        Assert.Equal("expired", outcomes[expires]);
        Assert.Equal("shipped", outcomes[completes]);
        Assert.Single(host.Harness.Published<PaymentDeadline>()); // the completed order's deadline was cancelled
    }

    [Fact]
    public async Task A_message_for_an_unknown_instance_is_ignored_or_dead_lettered_as_configured()
    {
        var broker = new InMemoryBroker();
        await using var host = await StartAsync(bus => bus.AddSaga<OrderSaga>(s => s.WhenInstanceNotFound = UnknownSagaInstance.DeadLetter), broker, new SagaProbe(), new FinishedLog());
        await host.PublishAsync(new[] { (object)new PaymentAccepted(Guid.NewGuid()) });
        await host.Harness.WaitForIdle(Timeout);
        var faulted = Assert.Single(host.Harness.Faulted<PaymentAccepted>());
        Assert.IsType<SagaInstanceNotFoundException>(faulted.Exception);
        Assert.Equal(1, faulted.Context!.Attempt); // not retried
        Assert.Contains("order-saga.dead-letter", broker.Topics);
    }

    [Fact]
    public async Task Completed_instances_can_be_kept_for_a_while()
    {
        var repository = new InMemorySagaRepository();
        var probe = new SagaProbe();
        await using var host = await StartAsync(bus => bus.AddSaga<OrderSaga>(s =>
        {
            s.UseInMemory(repository);
            s.KeepCompletedFor = TimeSpan.FromHours(1);
        }), new InMemoryBroker(), probe, new FinishedLog());
        var orderId = Guid.NewGuid();
        await host.PublishAsync(new object[] { new OrderSubmitted(orderId, 1m) });
        await host.Harness.WaitForIdle(Timeout);
        await host.PublishAsync(new object[] { new OrderShipped(orderId) });
        await host.Harness.WaitForIdle(Timeout);
        var kept = await repository.Store.LoadAsync(host.Services, typeof(OrderSaga).FullName!, orderId.ToString("D"), CancellationToken.None);
        Assert.NotNull(kept);
        Assert.NotNull(kept.CompletedAtMs);
        Assert.Contains("shipped", kept.State, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_thousand_instances_with_interleaved_events_on_two_application_instances_all_finish_correctly()
    {
        var broker = new InMemoryBroker();
        var repository = new InMemorySagaRepository();
        var probe = new SagaProbe();
        var log = new FinishedLog();
        await using var first = await StartAsync(bus => bus.AddSaga<OrderSaga>(s => s.UseInMemory(repository)).AddConsumer<FinishedConsumer>(), broker, probe, log);
        await using var second = await StartAsync(bus => bus.AddSaga<OrderSaga>(s => s.UseInMemory(repository)).AddConsumer<FinishedConsumer>(), broker, probe, log);
        var orders = Enumerable.Range(0, 1000).Select(_ => Guid.NewGuid()).ToList();
        // Interleave: all submissions, then all payments, then all shipments, from both instances.
        await first.PublishAsync(orders.Select(id => (object)new OrderSubmitted(id, 1m)));
        await second.PublishAsync(orders.Select(id => (object)new PaymentAccepted(id)));
        await first.PublishAsync(orders.Select(id => (object)new OrderShipped(id)));
        await ConsumingTests.WaitUntilAsync(() => log.Outcomes.Count >= 1000);
        Assert.Equal(1000, probe.Final.Count);
        Assert.All(orders, id => Assert.Equal(["submitted", "paid", "shipped"], probe.Final[id].History));
        Assert.Equal(1000, log.Outcomes.Select(o => o.OrderId).Distinct().Count());
    }

    [Fact]
    public async Task Forced_concurrent_updates_of_one_instance_lose_nothing()
    {
        var broker = new InMemoryBroker();
        var repository = new InMemorySagaRepository();
        // Keyed by a random nonce, so one counter's increments spread over partitions and run at once.
        void Configure(LogBusBuilder bus) => bus
            .Message<Increment>(m => m.Key(i => i.Nonce).Partitions(8))
            .AddSaga<CounterSaga>(s => s.UseInMemory(repository).Consumer(c => c.Concurrency = 4));
        await using var first = await StartAsync(Configure, broker, new SagaProbe(), new FinishedLog());
        await using var second = await StartAsync(Configure, broker, new SagaProbe(), new FinishedLog());
        var counters = Enumerable.Range(0, 10).Select(_ => Guid.NewGuid()).ToList();
        var increments = counters.SelectMany(c => Enumerable.Range(1, 50).Select(n => new Increment(c, n, Guid.NewGuid()))).ToList();
        await first.PublishAsync(increments.Where((_, i) => i % 2 == 0).Cast<object>());
        await second.PublishAsync(increments.Where((_, i) => i % 2 == 1).Cast<object>());
        var deadline = DateTime.UtcNow + Timeout;
        foreach (var counter in counters)
        {
            while (true)
            {
                var instance = await repository.Store.LoadAsync(first.Services, typeof(CounterSaga).FullName!, counter.ToString("D"), CancellationToken.None);
                if (instance is not null && instance.State.Contains("\"updates\":50", StringComparison.Ordinal))
                {
                    Assert.Contains($"\"total\":{Enumerable.Range(1, 50).Sum()}", instance.State, StringComparison.Ordinal);
                    break;
                }
                Assert.True(DateTime.UtcNow < deadline, $"counter {counter}: {instance?.State}");
                await Task.Delay(20);
            }
        }
    }

    [Fact]
    public void Invalid_sagas_are_rejected_at_configuration()
    {
        var services = new ServiceCollection();
        var noHandler = Assert.Throws<InvalidOperationException>(() => services.AddLogBus(bus => bus.AddSaga<MissingHandlerSaga>().UsingInMemory()));
        Assert.Contains("Handle(PaymentAccepted", noHandler.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new ServiceCollection().AddLogBus(bus => bus.AddSaga<string>().UsingInMemory()));
        var noStart = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddLogBus(bus => bus.AddSaga<NoStartSaga>().UsingInMemory()));
        Assert.Contains("StartedBy", noStart.Message, StringComparison.Ordinal);
    }

    public sealed class MissingHandlerSaga : Saga<OrderState>
    {
        protected override void Define(SagaDefinition<OrderState> saga) => saga.StartedBy<OrderSubmitted>(m => m.OrderId).Handles<PaymentAccepted>(m => m.OrderId);

        public Task Handle(OrderSubmitted message, SagaContext<OrderState> context) => Task.CompletedTask;
    }

    public sealed class NoStartSaga : Saga<OrderState>
    {
        protected override void Define(SagaDefinition<OrderState> saga) => saga.Handles<PaymentAccepted>(m => m.OrderId);

        public Task Handle(PaymentAccepted message, SagaContext<OrderState> context) => Task.CompletedTask;
    }
}

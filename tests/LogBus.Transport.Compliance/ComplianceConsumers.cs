using Microsoft.Extensions.DependencyInjection;

namespace LogBus.Transport.Compliance;

/// <summary>Identifies the bus (application instance) a handler runs in.</summary>
public sealed record InstanceName(string Value);

/// <summary>Records each order in the <see cref="Probe"/>; throws while the order asks to fail.</summary>
public sealed class OrderConsumer(Probe probe, InstanceName instance) : IConsumer<ComplianceOrder>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<ComplianceOrder> context)
    {
        var attempts = probe.Attempts.AddOrUpdate(context.MessageId, 1, (_, n) => n + 1);
        var order = context.Message;
        if (order.FailTimes < 0 || attempts <= order.FailTimes)
        {
            throw new InvalidOperationException($"Order {order.Key}/{order.Sequence} fails on attempt {attempts}.");
        }
        probe.Record(new Handled(context.GroupId, context.Key, order.Sequence, context.Topic, context.Partition, context.Offset, instance.Value, context.MessageId));
        return Task.CompletedTask;
    }
}

/// <summary>A second, independent consumer of the same orders (its own group).</summary>
public sealed class AuditConsumer(Probe probe, InstanceName instance) : IConsumer<ComplianceOrder>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<ComplianceOrder> context)
    {
        probe.Record(new Handled(context.GroupId, context.Key, context.Message.Sequence, context.Topic, context.Partition, context.Offset, instance.Value, context.MessageId));
        return Task.CompletedTask;
    }
}

/// <summary>Registration helpers for compliance tests.</summary>
public static class ComplianceServices
{
    /// <summary>Adds the probe and the instance name.</summary>
    public static IServiceCollection AddComplianceProbe(this IServiceCollection services, Probe probe, string instance) =>
        services.AddSingleton(probe).AddSingleton(new InstanceName(instance));
}

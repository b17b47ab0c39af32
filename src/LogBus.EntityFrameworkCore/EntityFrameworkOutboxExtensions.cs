using LogBus.EntityFrameworkCore;
using LogBus.EntityFrameworkCore.Internal;
using LogBus.Internal;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace LogBus;

/// <summary>The EF Core transactional outbox and inbox.</summary>
public static class EntityFrameworkOutboxExtensions
{
    /// <summary>
    /// Turns on the transactional outbox for <typeparamref name="TDbContext"/>: in every DI scope,
    /// <see cref="IPublisher"/> adds the message as a row to the scope's <typeparamref name="TDbContext"/>
    /// instead of sending it; the row commits with <c>SaveChanges</c> (or your transaction) and a relay
    /// appends it to the log afterwards, in per-key order, across any number of application instances.
    /// A message that cannot be serialized fails at Publish. Consumers' published messages are saved
    /// after the handler when the handler did not save them.
    /// </summary>
    /// <remarks>
    /// Add the tables with <c>modelBuilder.AddLogBusOutbox()</c> (and <c>AddLogBusInbox()</c> for
    /// <see cref="UseInbox{TDbContext}"/>). Messages published in a scope whose DbContext is never saved
    /// are not sent (a warning is logged when the scope ends).
    /// </remarks>
    public static LogBusBuilder AddEntityFrameworkOutbox<TDbContext>(this LogBusBuilder bus, Action<OutboxOptions> configure)
        where TDbContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(configure);
        if (bus.Configuration.Extensions.ContainsKey(typeof(OutboxOptions)))
        {
            throw new InvalidOperationException("The EF Core outbox is already configured for this bus; call AddEntityFrameworkOutbox once.");
        }
        var options = new OutboxOptions();
        configure(options);
        options.Validate();
        bus.Configuration.Extensions[typeof(OutboxOptions)] = options;

        var services = bus.Services;
        services.AddSingleton(options);
        services.TryAddSingleton<OutboxSignal>();
        services.AddSingleton<OutboxRuntime<TDbContext>>();
        services.AddSingleton<OutboxSaveChangesInterceptor<TDbContext>>();
        services.AddSingleton<OutboxTransactionInterceptor<TDbContext>>();
        services.ConfigureDbContext<TDbContext>((provider, builder) => builder.AddInterceptors(
            provider.GetRequiredService<OutboxSaveChangesInterceptor<TDbContext>>(),
            provider.GetRequiredService<OutboxTransactionInterceptor<TDbContext>>()));
        services.AddScoped<EntityFrameworkOutboxSink<TDbContext>>();
        services.AddScoped<IPublishSink>(provider => provider.GetRequiredService<EntityFrameworkOutboxSink<TDbContext>>());
        if (options.RelayEnabled)
        {
            services.AddSingleton<OutboxRelay<TDbContext>>();
            services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<OutboxRelay<TDbContext>>());
        }
        services.AddSingleton<InboxCleanup<TDbContext>>();
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<InboxCleanup<TDbContext>>());
        bus.Configuration.GlobalFilters.Add(typeof(OutboxSaveFilter<TDbContext>));
        return bus;
    }

    /// <summary>
    /// Handles this consumer's messages exactly once against <typeparamref name="TDbContext"/>: the
    /// handler's changes, an inbox row (consumer group, message id) and the outbox rows it published
    /// commit in one database transaction; a redelivered message is skipped. Needs
    /// <see cref="AddEntityFrameworkOutbox{TDbContext}"/> and <c>modelBuilder.AddLogBusInbox()</c>.
    /// </summary>
    public static ConsumerOptions UseInbox<TDbContext>(this ConsumerOptions consumer)
        where TDbContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(consumer);
        consumer.Filters.Add(typeof(InboxFilter<TDbContext>));
        return consumer;
    }
}

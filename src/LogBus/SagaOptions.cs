namespace LogBus;

/// <summary>Options of a saga registration.</summary>
public sealed class SagaOptions
{
    internal Action<ConsumerOptions>? ConfigureConsumer { get; private set; }

    /// <summary>
    /// Configures the saga's consumer: group id, concurrency, retries, dead-lettering, like
    /// <see cref="LogBusBuilder.AddConsumer{TConsumer}(Action{ConsumerOptions})"/>.
    /// </summary>
    /// <remarks>Defaults as for consumers; the group id defaults to <c>{service}.{saga-name}</c>.</remarks>
    public SagaOptions Consumer(Action<ConsumerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        ConfigureConsumer += configure;
        return this;
    }

    /// <summary>What happens to a message for an instance that does not exist and that does not start one.</summary>
    /// <remarks>Defaults to <see cref="UnknownSagaInstance.Ignore"/>.</remarks>
    public UnknownSagaInstance WhenInstanceNotFound { get; set; } = UnknownSagaInstance.Ignore;

    /// <summary>How long completed instances are kept (for inspection) before they are deleted.</summary>
    /// <remarks>Defaults to zero: removed when they complete.</remarks>
    public TimeSpan KeepCompletedFor { get; set; } = TimeSpan.Zero;

    /// <summary>Times a handler is re-run against freshly loaded state after a concurrent update won.</summary>
    /// <remarks>Defaults to 20.</remarks>
    public int ConcurrencyRetries { get; set; } = 20;

    /// <summary>How often due scheduled messages are looked for.</summary>
    /// <remarks>Defaults to 1 second.</remarks>
    public TimeSpan SchedulePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Chooses the store (the EF Core package adds <c>UseEntityFramework&lt;TDbContext&gt;()</c>).</summary>
    internal Func<IServiceProvider, Internal.ISagaStore>? StoreFactory { get; set; }

    /// <summary>Selects a saga store; used by store packages.</summary>
    internal SagaOptions UseStore(Func<IServiceProvider, Internal.ISagaStore> factory)
    {
        StoreFactory = factory;
        return this;
    }
}

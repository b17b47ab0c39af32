using LogBus.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace LogBus;

/// <summary>Registers LogBus in an application's services.</summary>
public static class LogBusServiceCollectionExtensions
{
    /// <summary>
    /// Adds LogBus: the bus, <see cref="IPublisher"/> (scoped), a hosted service that runs the consumers,
    /// and a health check named <c>logbus</c>. Call it once and configure everything inside
    /// <paramref name="configure"/>; a transport must be selected there.
    /// </summary>
    /// <exception cref="InvalidOperationException">AddLogBus was already called, or the configuration is incomplete.</exception>
    public static IServiceCollection AddLogBus(this IServiceCollection services, Action<LogBusBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        if (services.Any(d => d.ServiceType == typeof(LogBusConfiguration)))
        {
            throw new InvalidOperationException(
                "AddLogBus was already called for this service collection. Call it once and configure everything " +
                "(consumers, messages, serializer, transport) inside that single AddLogBus(bus => ...) call.");
        }

        var configuration = new LogBusConfiguration();
        configure(new LogBusBuilder(services, configuration));
        configuration.Validate();

        services.AddSingleton(configuration);
        services.AddSingleton<BusRuntime>();
        services.AddHostedService<LogBusHostedService>();
        services.AddScoped<ScopedPublisher>();
        services.TryAddScoped<IPublisher>(sp => sp.GetRequiredService<ScopedPublisher>());
        services.AddHealthChecks().AddCheck<LogBusHealthCheck>("logbus", tags: ["logbus"]);
        return services;
    }
}

using LogBus.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LogBus;

/// <summary>Registers the test harness.</summary>
public static class LogBusTestHarnessExtensions
{
    /// <summary>
    /// Adds <see cref="ITestHarness"/>, which observes the bus registered with
    /// <see cref="LogBusServiceCollectionExtensions.AddLogBus"/> (before or after this call).
    /// </summary>
    public static IServiceCollection AddLogBusTestHarness(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<TestHarness>();
        services.TryAddSingleton<ITestHarness>(sp => sp.GetRequiredService<TestHarness>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IBusObserver, TestHarness>(sp => sp.GetRequiredService<TestHarness>()));
        return services;
    }
}

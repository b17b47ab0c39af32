using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Orders.Hosting;

/// <summary>
/// Fails fast when LogBus cannot run: it waits for the <c>logbus</c> health check to turn healthy and
/// stops the application (exit code 1) with the reason if it does not within <see cref="Limit"/>. (The
/// bus itself keeps retrying a broker that is down; a sample that silently retries is confusing.)
/// </summary>
public sealed partial class BusStartupCheck(IServiceProvider services, IHostApplicationLifetime lifetime, ILogger<BusStartupCheck> logger) : BackgroundService
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    /// <summary>Waits until the bus is healthy; returns the last report's description when it is not within <paramref name="limit"/>.</summary>
    /// <remarks>Runs the registered <c>logbus</c> check directly (the health check service would log every unhealthy poll).</remarks>
    public static async Task<string?> WaitForBusAsync(IServiceProvider services, TimeSpan limit, CancellationToken cancellationToken)
    {
        var registration = services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations.Single(r => r.Name == "logbus");
        var check = registration.Factory(services);
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var result = await check.CheckHealthAsync(new HealthCheckContext { Registration = registration }, cancellationToken);
            if (result.Status == HealthStatus.Healthy)
            {
                return null;
            }
            if (DateTime.UtcNow > deadline)
            {
                return result.Description ?? result.Status.ToString();
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var problem = await WaitForBusAsync(services, Limit, stoppingToken);
        if (problem is null)
        {
            LogReady(logger);
            return;
        }
        LogNotRunning(logger, Limit.TotalSeconds, problem);
        Environment.ExitCode = 1;
        lifetime.StopApplication();
    }

    [LoggerMessage(LogLevel.Information, "LogBus is running: consumers joined their groups")]
    private static partial void LogReady(ILogger logger);

    [LoggerMessage(LogLevel.Critical, "LogBus is not running after {Seconds} s, stopping: {Problem}")]
    private static partial void LogNotRunning(ILogger logger, double seconds, string problem);
}

using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LogBus.Internal;

/// <summary>
/// Healthy when the transport is started and every consumer is running; degraded while consumers start
/// or restart; unhealthy when the transport cannot start or a consumer keeps failing.
/// </summary>
internal sealed class LogBusHealthCheck(BusRuntime runtime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var consumer in runtime.Consumers)
        {
            data[consumer.GroupId] = consumer.LastError is { } error ? $"{consumer.State}: {error.Message}" : consumer.State.ToString();
        }
        if (runtime.StartFailure is { } failure)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The LogBus transport cannot start: " + failure.Message, failure, data));
        }
        var faulted = runtime.Consumers.Where(c => c.State == ConsumerState.Faulted).ToList();
        if (faulted.Count > 0)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(
                $"{faulted.Count} consumer(s) failing: {string.Join(", ", faulted.Select(c => c.GroupId))}", faulted[0].LastError, data));
        }
        if (!runtime.IsStarted || runtime.Consumers.Any(c => c.State != ConsumerState.Running))
        {
            return Task.FromResult(HealthCheckResult.Degraded("LogBus is starting.", null, data));
        }
        return Task.FromResult(HealthCheckResult.Healthy("LogBus is running.", data));
    }
}

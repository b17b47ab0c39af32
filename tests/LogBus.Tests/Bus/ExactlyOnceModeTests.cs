using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LogBus.Tests.Bus;

/// <summary>Exactly-once mode needs a transactional transport; the in-memory transport rejects it clearly.</summary>
public sealed class ExactlyOnceModeTests
{
    [Fact]
    public async Task On_the_in_memory_transport_an_exactly_once_consumer_fails_with_a_configuration_error()
    {
        await using var host = await TestBus.StartAsync(bus => bus.AddConsumer<ConsumingTests.RecordingConsumer>(c => c.Mode = ConsumeMode.ExactlyOnce));
        var health = host.Services.GetRequiredService<HealthCheckService>();
        HealthReport report;
        var deadline = DateTime.UtcNow + TestBus.Timeout;
        do
        {
            report = await health.CheckHealthAsync();
            if (report.Status == HealthStatus.Unhealthy)
            {
                break;
            }
            await Task.Delay(20);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        var state = Assert.IsType<string>(report.Entries["logbus"].Data["tests.recording-consumer"]);
        Assert.StartsWith("Faulted: ", state, StringComparison.Ordinal);
        Assert.Contains("ConsumeMode.ExactlyOnce", state, StringComparison.Ordinal);
        Assert.Contains("in-memory", state, StringComparison.Ordinal);
    }
}

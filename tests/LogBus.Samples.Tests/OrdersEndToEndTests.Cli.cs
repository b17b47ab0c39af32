using System.Diagnostics;
using System.Text.Json;
using LogBus.Testing;

namespace LogBus.Samples.Tests;

/// <summary>
/// The sample's embedded broker is a real Kafka-protocol broker: the <c>logbus</c> CLI sees its topics,
/// its consumer groups and their lag, while the app runs.
/// </summary>
public sealed partial class OrdersEndToEndTests
{
    [Fact]
    public async Task The_cli_shows_the_samples_topics_groups_and_a_lag_that_drains_to_zero()
    {
        var order = await app.PlaceAsync("cli-watch", "BOOK", 1, 12.34m);
        Assert.Equal("Completed", (await app.WaitUntilFinalAsync(order.Id)).Order.Status);
        var bootstrap = $"127.0.0.1:{app.Factory.BrokerPort}";

        var topics = (await JsonAsync(bootstrap, "topics", "list")).EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.Superset(new HashSet<string?> { "orders", "stock", "payments", "order-saga", "order-events" }, topics.ToHashSet());

        var groups = (await JsonAsync(bootstrap, "groups", "list")).EnumerateArray().Select(g => g.GetProperty("groupId").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "orders.order-saga", "orders.stock-consumer", "orders.payment-consumer", "orders.customer-notifications" }, groups);

        // The saga's group: one member (this app) owning the one partition of each of its topics; its
        // committed offsets catch up with the log end within a few commit intervals (1 s) once idle.
        var clock = Stopwatch.StartNew();
        JsonElement saga;
        while (true)
        {
            saga = await JsonAsync(bootstrap, "groups", "describe", "orders.order-saga");
            if (saga.GetProperty("totalLag").GetInt64() == 0 && saga.GetProperty("partitions").GetArrayLength() > 0)
            {
                break;
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"the saga's lag did not drain: {saga}");
            await Task.Delay(200);
        }
        Assert.Equal("Stable", saga.GetProperty("state").GetString());
        var member = Assert.Single(saga.GetProperty("members").EnumerateArray());
        var assigned = member.GetProperty("assignment").EnumerateArray().Select(a => a.GetProperty("topic").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "orders", "order-saga" }, assigned);
        Assert.All(saga.GetProperty("partitions").EnumerateArray(), p =>
        {
            Assert.True(p.GetProperty("logEndOffset").GetInt64() > 0);
            Assert.Equal(p.GetProperty("logEndOffset").GetInt64(), p.GetProperty("committedOffset").GetInt64());
        });
    }

    private static async Task<JsonElement> JsonAsync(string bootstrap, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync("dotnet", [RepositoryPaths.Output("src/LogBus.Cli", "LogBus.Cli"), "--bootstrap", bootstrap, .. arguments, "--json"], TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.StandardOutput).RootElement.Clone();
    }
}

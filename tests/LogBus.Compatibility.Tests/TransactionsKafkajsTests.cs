using System.Globalization;
using System.Text.Json;

namespace LogBus.Compatibility.Tests;

/// <summary>kafkajs 2.2.4 transactions against the broker process.</summary>
public sealed class TransactionsKafkajsTests
{
    [Fact]
    public async Task Kafkajs_transactions_commit_abort_send_offsets_and_fence_and_read_committed_sees_only_committed_data_once()
    {
        var script = Path.Combine(RepositoryPaths.Node, "kafkajs_transactions.js");
        Assert.True(Directory.Exists(Path.Combine(RepositoryPaths.Node, "node_modules", "kafkajs")), "kafkajs is not installed: run ./test.sh (npm ci in " + RepositoryPaths.Node + ")");
        await using var broker = await BrokerProcess.StartAsync("--group-initial-rebalance-delay-ms", "200");
        const int transactions = 10, perTxn = 30, partitions = 3;
        var result = await ExternalProcess.RunAsync("node", [script, broker.Bootstrap, "js-txn-topic", partitions.ToString(CultureInfo.InvariantCulture), transactions.ToString(CultureInfo.InvariantCulture), perTxn.ToString(CultureInfo.InvariantCulture)],
            TimeSpan.FromMinutes(3), workingDirectory: RepositoryPaths.Node);
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Lines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        JsonElement Line(string property) => lines.Single(l => l.TryGetProperty(property, out _));

        var committedValues = Enumerable.Range(0, transactions).Where(t => t % 2 == 0)
            .SelectMany(t => Enumerable.Range(0, perTxn).Select(i => $"c-{t}-{i}"))
            .Concat(["with-offsets", "successor"]).Order(StringComparer.Ordinal).ToList();
        var rc = Line("rc").GetProperty("rc").EnumerateArray().Select(v => v.GetString()!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(committedValues, rc); // each committed record once; aborted and fenced records never
        Assert.Equal((transactions * perTxn) + 3, Line("ru").GetProperty("ru").GetInt32()); // the aborted ones are in the log

        Assert.Equal("-1", Line("offsetsBefore").GetProperty("offsetsBefore").GetString());
        Assert.Equal("42", Line("offsetsBefore").GetProperty("offsetsAfter").GetString());
        var fenced = Line("fenced").GetProperty("fenced");
        Assert.True(fenced.ValueKind == JsonValueKind.Object, fenced.ToString());
        Assert.Matches("PRODUCER_FENCED|INVALID_PRODUCER_EPOCH", fenced.GetProperty("type").GetString());
    }
}

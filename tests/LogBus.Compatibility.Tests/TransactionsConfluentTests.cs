using System.Globalization;
using System.Text.Json;

namespace LogBus.Compatibility.Tests;

/// <summary>confluent-kafka-python 1.7.0 (librdkafka 2.0.2) transactions against the broker process.</summary>
public sealed class TransactionsConfluentTests
{
    [Fact]
    public async Task Confluent_transactions_commit_abort_send_offsets_and_fence_and_read_committed_sees_only_committed_data_once()
    {
        await using var broker = await BrokerProcess.StartAsync("--default-partitions", "3");
        const int transactions = 12, perTxn = 40;
        var lines = await Python.RunAsync("confluent_transactions.py", TimeSpan.FromMinutes(4), broker.Bootstrap, "txn-topic",
            transactions.ToString(CultureInfo.InvariantCulture), perTxn.ToString(CultureInfo.InvariantCulture));
        JsonElement Line(string property) => lines.Single(l => l.TryGetProperty(property, out _));

        Assert.DoesNotContain(lines, l => l.TryGetProperty("consume_error", out _) || l.TryGetProperty("consume_timeout", out _));
        Assert.Empty(Line("committed").GetProperty("delivery_errors").EnumerateArray());
        var committedValues = Enumerable.Range(0, transactions).Where(t => t % 2 == 0)
            .SelectMany(t => Enumerable.Range(0, perTxn).Select(i => $"c-{t}-{i}")).ToList();

        // read_committed: every committed record exactly once, nothing aborted, the zombie's record neither.
        var rc = Line("rc").GetProperty("rc").EnumerateArray().Select(v => v.GetString()!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(committedValues.Append("successor").Order(StringComparer.Ordinal).ToList(), rc);
        // read_uncommitted sees the aborted records and the zombie's too (they are in the log), control records never.
        Assert.Equal((transactions * perTxn) + 2, Line("rc").GetProperty("ru").GetInt32());

        // consume-transform-produce: one output per committed input, offsets committed with the transaction.
        var eos = Line("consumed");
        Assert.Equal(committedValues.Count, eos.GetProperty("consumed").GetInt32());
        var output = Line("out").GetProperty("out").EnumerateArray().Select(v => v.GetString()!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(committedValues.Select(v => "x-" + v).Order(StringComparer.Ordinal).ToList(), output);
        var committed = Line("committed").GetProperty("committed").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        foreach (var high in eos.GetProperty("high").EnumerateObject())
        {
            // The group's committed offset is the end of the input as consumed (records and markers).
            Assert.Equal(high.Value.GetInt64(), committed[high.Name]);
            Assert.Equal(high.Value.GetInt64(), eos.GetProperty("positions").GetProperty(high.Name).GetInt64());
        }

        // The first producer was fenced by the second init_transactions.
        var fenced = Line("fenced").GetProperty("fenced");
        Assert.True(fenced.ValueKind == JsonValueKind.Object && fenced.GetProperty("fatal").GetBoolean(), fenced.ToString());
    }
}

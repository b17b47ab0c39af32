using System.Text;
using System.Text.Json;

namespace LogBus.Compatibility.Tests;

/// <summary>kafka-python 2.0.2 and confluent-kafka-python 1.7.0 (librdkafka 2.0.2) against the broker process.</summary>
public sealed class PythonClientTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Kafka_python_producer_with_acks_all_and_a_consumer_without_group_read_everything()
    {
        await using var broker = await BrokerProcess.StartAsync("--default-partitions", "3");
        const int count = 5000;
        var lines = await Python.RunAsync("kafka_python_roundtrip.py", Timeout, broker.Bootstrap, "kp-topic", count.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var acks = lines.Where(l => l.TryGetProperty("ack", out _)).ToDictionary(l => l.GetProperty("ack").GetInt32(), l => (P: l.GetProperty("p").GetInt32(), O: l.GetProperty("o").GetInt64()));
        Assert.Equal(count, acks.Count);
        Assert.Equal(count, acks.Values.Distinct().Count()); // every acknowledgement names its own (partition, offset)

        var records = lines.Where(l => l.TryGetProperty("rec", out _)).ToList();
        Assert.Equal(count, lines.Single(l => l.TryGetProperty("done", out _)).GetProperty("done").GetInt32());
        Assert.Equal(count, records.Count);
        var byPosition = records.ToDictionary(r => (P: r.GetProperty("p").GetInt32(), O: r.GetProperty("o").GetInt64()));
        for (var i = 0; i < count; i++)
        {
            // The record at the acknowledged position is byte-for-byte what was sent.
            var record = byPosition[acks[i]];
            var expected = Encoding.ASCII.GetBytes($"payload-{i}-").Concat(Enumerable.Range(0, i % 256).Select(b => (byte)b)).ToArray();
            Assert.Equal(Convert.ToHexStringLower(expected), record.GetProperty("rec").GetString());
            Assert.Equal($"k{i % 17}", record.GetProperty("k").GetString());
        }
    }

    [Fact]
    public async Task Confluent_idempotent_producer_delivers_100k_without_errors_or_duplicates()
    {
        await using var broker = await BrokerProcess.StartAsync("--default-partitions", "4");
        const int count = 100_000;
        var lines = await Python.RunAsync("confluent_idempotent.py", Timeout, broker.Bootstrap, "idem-topic", count.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var summary = lines[0];
        Assert.True(summary.GetProperty("error_count").GetInt32() == 0, summary.ToString());
        Assert.Equal(count, summary.GetProperty("delivered").GetInt32());
        Assert.Equal(count, summary.GetProperty("distinct_offsets").GetInt32());
        Assert.Equal(0, summary.GetProperty("unflushed").GetInt32());

        Assert.DoesNotContain(lines, l => l.TryGetProperty("consume_error", out _));
        var records = lines.Where(l => l.TryGetProperty("v", out _)).ToList();
        Assert.Equal(count, records.Count);
        var values = records.Select(r => r.GetProperty("v").GetString()!).ToList();
        Assert.Equal(count, values.Distinct().Count()); // no duplicates
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"m-{i}").Order(StringComparer.Ordinal), values.Order(StringComparer.Ordinal));
        foreach (var partition in records.GroupBy(r => r.GetProperty("p").GetInt32()))
        {
            Assert.Equal(Enumerable.Range(0, partition.Count()).Select(i => (long)i), partition.Select(r => r.GetProperty("o").GetInt64()));
        }

        // The broker handed out one producer id and saw idempotent batches (producer state snapshot at shutdown).
        await broker.TerminateAsync();
        Assert.True(File.Exists(Path.Combine(broker.DataDirectory, ".producer-ids")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(broker.DataDirectory, ".producer-state"), "idem-topic-*.snapshot"));
    }

    [Fact]
    public async Task Confluent_offsets_for_times_returns_the_first_record_at_or_after_each_timestamp()
    {
        await using var broker = await BrokerProcess.StartAsync();
        const int count = 2000;
        const long baseTs = 1_700_000_000_000;
        // Exact timestamps, timestamps between records, before the first and after the last.
        long[] queries = [baseTs, baseTs + 10, baseTs + 15, baseTs + 10 * 777, baseTs + 10 * 1999, baseTs - 5000, baseTs + 10 * 2000 + 1];
        long[] expected = [0, 1, 2, 777, 1999, 0, -1];
        var lines = await Python.RunAsync("confluent_offsets_for_times.py", Timeout,
            [broker.Bootstrap, "times", count.ToString(System.Globalization.CultureInfo.InvariantCulture), baseTs.ToString(System.Globalization.CultureInfo.InvariantCulture), .. queries.Select(q => q.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        Assert.Empty(lines[0].GetProperty("produce_errors").EnumerateArray());
        var answers = lines.Skip(1).ToList();
        Assert.Equal(queries.Length, answers.Count);
        for (var i = 0; i < queries.Length; i++)
        {
            Assert.Equal(queries[i], answers[i].GetProperty("query").GetInt64());
            Assert.Equal(JsonValueKind.Null, answers[i].GetProperty("error").ValueKind);
            Assert.Equal(expected[i], answers[i].GetProperty("offset").GetInt64());
        }
    }
}

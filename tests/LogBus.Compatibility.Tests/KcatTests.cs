using System.Text;
using System.Text.Json;

namespace LogBus.Compatibility.Tests;

/// <summary>kcat (librdkafka 2.0.2): metadata, 100,000 keyed messages produced and consumed back byte-exact, offset modes.</summary>
public sealed class KcatTests
{
    private const string RecordFormat = "%p\t%o\t%k\t%s\n";

    [Fact]
    public async Task Metadata_lists_the_broker_and_topics()
    {
        await using var broker = await BrokerProcess.StartAsync("--default-partitions", "3");
        var produced = await Kcat.RunAsync(broker, "a:1\nb:2\n", "-P", "-t", "meta-topic", "-K", ":");
        Assert.True(produced.ExitCode == 0, produced.ToString());

        var result = await Kcat.RunAsync(broker, null, "-L", "-J");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.StandardOutput);
        var root = json.RootElement;
        var brokerInfo = Assert.Single(root.GetProperty("brokers").EnumerateArray());
        Assert.Equal(0, brokerInfo.GetProperty("id").GetInt32());
        Assert.Equal(broker.Bootstrap, brokerInfo.GetProperty("name").GetString());
        var topic = Assert.Single(root.GetProperty("topics").EnumerateArray(), t => t.GetProperty("topic").GetString() == "meta-topic");
        var partitions = topic.GetProperty("partitions").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], partitions.Select(p => p.GetProperty("partition").GetInt32()));
        Assert.All(partitions, p =>
        {
            Assert.Equal(0, p.GetProperty("leader").GetInt32());
            Assert.Equal(0, Assert.Single(p.GetProperty("replicas").EnumerateArray()).GetProperty("id").GetInt32());
            Assert.Equal(0, Assert.Single(p.GetProperty("isrs").EnumerateArray()).GetProperty("id").GetInt32());
        });
    }

    [Fact]
    public async Task Hundred_thousand_keyed_messages_come_back_byte_exact_and_in_order_per_partition()
    {
        await using var broker = await BrokerProcess.StartAsync("--default-partitions", "4");
        const int count = 100_000;
        var input = new StringBuilder();
        var expected = new Dictionary<string, string>(count); // value -> key
        for (var i = 0; i < count; i++)
        {
            // Keys repeat (1000 distinct); values are unique, of varying length, with non-ASCII text.
            var key = $"key-{i % 1000}";
            var value = $"value-{i}-{new string((char)('a' + i % 26), i % 50)}-ünïcødé-€";
            expected[value] = key;
            input.Append(key).Append('\t').Append(value).Append('\n');
        }
        var produced = await Kcat.RunAsync(broker, input.ToString(), "-P", "-t", "bulk", "-K", "\t", "-X", "linger.ms=20");
        Assert.True(produced.ExitCode == 0, produced.ToString());
        Assert.DoesNotContain("fail", produced.StandardError, StringComparison.OrdinalIgnoreCase);

        var consumed = await Kcat.RunAsync(broker, null, "-C", "-t", "bulk", "-o", "beginning", "-e", "-f", RecordFormat);
        Assert.True(consumed.ExitCode == 0, consumed.ToString());
        var records = Kcat.ParseRecords(consumed);
        Assert.Equal(count, records.Count);

        // Byte-exact: every produced (key, value) came back once, nothing else did.
        Assert.Equal(count, records.Select(r => r.Value).Distinct().Count());
        Assert.All(records, r => Assert.Equal(expected[r.Value], r.Key));

        var byPartition = records.GroupBy(r => r.Partition).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(4, byPartition.Count);
        foreach (var (partition, list) in byPartition)
        {
            // Dense offsets from 0, delivered in order.
            Assert.Equal(Enumerable.Range(0, list.Count).Select(i => (long)i), list.Select(r => r.Offset));
            // Same key, same partition; per key the produce order is kept.
            foreach (var perKey in list.GroupBy(r => r.Key))
            {
                var sequence = perKey.Select(r => int.Parse(r.Value.Split('-')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
                Assert.Equal(sequence.Order(), sequence);
            }
        }
        Assert.Equal(1000, records.Select(r => r.Key).Distinct().Count());
        Assert.All(records.GroupBy(r => r.Key), g => Assert.Single(g.Select(r => r.Partition).Distinct()));

        // -o <offset>: from an absolute offset.
        var partition0 = byPartition[0];
        var fromOffset = await Kcat.RunAsync(broker, null, "-C", "-t", "bulk", "-p", "0", "-o", "500", "-c", "10", "-f", RecordFormat);
        Assert.True(fromOffset.ExitCode == 0, fromOffset.ToString());
        Assert.Equal(partition0.Skip(500).Take(10), Kcat.ParseRecords(fromOffset));

        // -o -10: the last ten of the partition.
        var lastTen = await Kcat.RunAsync(broker, null, "-C", "-t", "bulk", "-p", "0", "-o", "-10", "-e", "-f", RecordFormat);
        Assert.True(lastTen.ExitCode == 0, lastTen.ToString());
        Assert.Equal(partition0.Skip(partition0.Count - 10), Kcat.ParseRecords(lastTen));

        // -o beginning on one partition equals that partition of the full read.
        var beginning = await Kcat.RunAsync(broker, null, "-C", "-t", "bulk", "-p", "3", "-o", "beginning", "-e", "-f", RecordFormat);
        Assert.Equal(byPartition[3], Kcat.ParseRecords(beginning));
    }
}

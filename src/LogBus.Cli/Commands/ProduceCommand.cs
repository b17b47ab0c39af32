using System.CommandLine;
using System.Text;
using LogBus.Cli.Internal;
using LogBus.Transport;
using LogBus.Transport.Kafka.Client;

namespace LogBus.Cli.Commands;

/// <summary>
/// <c>logbus produce TOPIC</c>: one message per line of stdin; a line <c>key&lt;TAB&gt;value</c> has a key
/// (same key, same partition, as with Kafka's own clients), a line without a tab has none.
/// </summary>
internal static class ProduceCommand
{
    /// <summary>Deliveries awaited at once: bounds memory however long stdin is.</summary>
    private const int Window = 10_000;

    public static Command Create()
    {
        var topicArgument = new Argument<string>("topic") { Description = "Topic to append to (must exist)" };
        var separator = new Option<string>("--key-separator") { Description = "Separates key from value on a line (default: a tab)", DefaultValueFactory = _ => "\t" };
        var noKey = new Option<bool>("--no-key") { Description = "The whole line is the value (no key)" };
        var partitionOption = new Option<int?>("--partition") { Description = "Append to this partition instead of choosing by key" };
        var headerOption = new Option<string[]>("--header", "-H") { Description = "Header NAME=VALUE added to every message, repeatable" };
        var command = new Command("produce", "Append lines from stdin to a topic (key<TAB>value or value)") { topicArgument, separator, noKey, partitionOption, headerOption };
        GlobalOptions.SetAction(command, async context =>
        {
            var topic = context.Get(topicArgument);
            var keySeparator = context.Get(separator);
            if (keySeparator.Length == 0)
            {
                throw CliException.Usage("--key-separator cannot be empty");
            }
            var headers = Headers(context.Parse.GetValue(headerOption));
            var partition = context.Get(partitionOption);
            using (var deadline = context.Deadline())
            {
                var metadata = await context.Session.RequireTopicAsync(topic, deadline.Token);
                if (partition is { } p && !metadata.Partitions.Exists(x => x.PartitionIndex == p))
                {
                    throw new CliException($"topic '{topic}' has no partition {p} (it has {metadata.Partitions.Count})");
                }
            }
            var options = new KafkaProducerOptions
            {
                BootstrapServers = context.Session.Options.BootstrapServers,
                ClientId = context.Session.Options.ClientId,
                ConnectTimeout = context.RequestTimeout,
                RequestTimeout = context.RequestTimeout,
                DeliveryTimeout = context.RequestTimeout * 3,
            };
            var produced = new Dictionary<int, (long First, long Last, int Count)>();
            var pending = new List<ValueTask<DeliveryResult>>(Window);
            var count = 0;
            await using (var producer = new KafkaProducer(options))
            {
                while (await context.In.ReadLineAsync(context.Interrupted) is { } line)
                {
                    var split = context.Get(noKey) ? -1 : line.IndexOf(keySeparator, StringComparison.Ordinal);
                    ReadOnlyMemory<byte>? key = split < 0 ? null : (ReadOnlyMemory<byte>?)Encoding.UTF8.GetBytes(line[..split]);
                    var value = Encoding.UTF8.GetBytes(split < 0 ? line : line[(split + keySeparator.Length)..]);
                    pending.Add(producer.ProduceAsync(new OutgoingRecord(topic, key, value, headers, partition), context.Interrupted));
                    count++;
                    if (pending.Count == Window)
                    {
                        await CollectAsync(pending, produced);
                    }
                }
                await producer.FlushAsync(context.Interrupted);
                await CollectAsync(pending, produced);
            }
            if (context.Json)
            {
                Json.Write(context.Out, new
                {
                    topic,
                    messages = count,
                    partitions = produced.OrderBy(p => p.Key).Select(p => new { partition = p.Key, firstOffset = p.Value.First, lastOffset = p.Value.Last, messages = p.Value.Count }),
                });
                return;
            }
            await context.Out.WriteLineAsync($"Produced {count} message(s) to '{topic}'{(produced.Count == 0 ? "" : " (" + string.Join(", ", produced.OrderBy(p => p.Key).Select(p => $"partition {p.Key}: offsets {p.Value.First}-{p.Value.Last}")) + ")")}.");
        });
        return command;
    }

    private static async Task CollectAsync(List<ValueTask<DeliveryResult>> pending, Dictionary<int, (long First, long Last, int Count)> produced)
    {
        foreach (var delivery in pending)
        {
            var result = await delivery;
            produced[result.Partition] = produced.TryGetValue(result.Partition, out var seen)
                ? (Math.Min(seen.First, result.Offset), Math.Max(seen.Last, result.Offset), seen.Count + 1)
                : (result.Offset, result.Offset, 1);
        }
        pending.Clear();
    }

    private static RecordHeaders Headers(string[]? values)
    {
        if (values is not { Length: > 0 })
        {
            return RecordHeaders.Empty;
        }
        var headers = new RecordHeader[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var equals = values[i].IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw CliException.Usage($"--header needs NAME=VALUE (was '{values[i]}')");
            }
            headers[i] = RecordHeader.FromString(values[i][..equals], values[i][(equals + 1)..]);
        }
        return new RecordHeaders(headers);
    }
}

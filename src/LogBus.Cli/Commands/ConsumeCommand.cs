using System.CommandLine;
using System.Diagnostics;
using System.Text;
using LogBus.Cli.Internal;
using LogBus.Transport;
using LogBus.Transport.Kafka.Client;

namespace LogBus.Cli.Commands;

/// <summary>
/// <c>logbus consume TOPIC</c>: prints messages until <c>--max-messages</c> were printed or none arrived
/// for <c>--timeout</c>. Without <c>--group</c> it reads partitions directly (new messages, or from the
/// beginning, or from an offset); with a group it joins it, starts at the group's committed offsets and
/// commits what it printed.
/// </summary>
internal static class ConsumeCommand
{
    public static Command Create()
    {
        var topicArgument = new Argument<string>("topic") { Description = "Topic to read" };
        var group = new Option<string?>("--group", "-g") { Description = "Consume as a member of this consumer group (and commit)" };
        var fromBeginning = new Option<bool>("--from-beginning") { Description = "Start at the oldest message (with --group: where the group has no committed offset)" };
        var offset = new Option<long?>("--offset") { Description = "Start at this offset (needs --partition; not with --group)" };
        var partitionOption = new Option<int?>("--partition") { Description = "Read only this partition (not with --group)" };
        var maxMessages = new Option<int?>("--max-messages", "-n") { Description = "Stop after this many messages" };
        var timeout = new Option<string>("--timeout") { Description = "Stop when no message arrived for this long (e.g. 5s)", DefaultValueFactory = _ => "10s" };
        var showKey = new Option<bool>("--show-key") { Description = "Text output: print key<TAB>value" };
        var command = new Command("consume", "Print messages of a topic (bounded by --max-messages and --timeout)")
        {
            topicArgument, group, fromBeginning, offset, partitionOption, maxMessages, timeout, showKey,
        };
        GlobalOptions.SetAction(command, async context =>
        {
            var topic = context.Get(topicArgument);
            var groupId = context.Get(group);
            var start = context.Get(offset);
            var only = context.Get(partitionOption);
            var max = context.Get(maxMessages);
            if (!Durations.TryParse(context.Get(timeout), out var idle) || idle <= TimeSpan.Zero)
            {
                throw CliException.Usage($"--timeout must be a positive duration such as 5s (was '{context.Get(timeout)}')");
            }
            if (max is < 1)
            {
                throw CliException.Usage("--max-messages must be at least 1");
            }
            if (groupId is not null && (start is not null || only is not null))
            {
                throw CliException.Usage("--offset and --partition read partitions directly; they do not go with --group");
            }
            if (start is not null && only is null)
            {
                throw CliException.Usage("--offset needs --partition");
            }
            if (start is < 0)
            {
                throw CliException.Usage("--offset must not be negative");
            }

            List<int> partitions;
            using (var deadline = context.Deadline())
            {
                var metadata = await context.Session.RequireTopicAsync(topic, deadline.Token);
                partitions = metadata.Partitions.Select(p => p.PartitionIndex).Order().ToList();
                if (only is { } p && !partitions.Contains(p))
                {
                    throw new CliException($"topic '{topic}' has no partition {p} (it has {partitions.Count})");
                }
            }

            var options = new KafkaConsumerOptions
            {
                BootstrapServers = context.Session.Options.BootstrapServers,
                ClientId = context.Session.Options.ClientId,
                ConnectTimeout = context.RequestTimeout,
                RequestTimeout = context.RequestTimeout,
                GroupId = groupId,
                AutoOffsetReset = context.Get(fromBeginning) ? AutoOffsetReset.Earliest : AutoOffsetReset.Latest,
                FetchMaxWait = TimeSpan.FromMilliseconds(200),
            };
            var committer = new Committer();
            var printed = 0;
            await using (var consumer = new KafkaConsumer(options))
            {
                committer.Consumer = consumer;
                if (groupId is null)
                {
                    var assigned = (only is { } p ? [p] : partitions).Select(x => new TopicPartition(topic, x)).ToList();
                    consumer.Assign(assigned);
                    if (start is { } first)
                    {
                        consumer.Seek(new TopicPartitionOffset(topic, assigned[0].Partition, first));
                    }
                }
                else
                {
                    await consumer.SubscribeAsync([topic], committer, context.Interrupted);
                }

                var lastMessage = Stopwatch.GetTimestamp();
                while (max is null || printed < max)
                {
                    var remaining = idle - Stopwatch.GetElapsedTime(lastMessage);
                    if (remaining <= TimeSpan.Zero)
                    {
                        break;
                    }
                    var records = await consumer.FetchAsync(remaining < TimeSpan.FromMilliseconds(500) ? remaining : TimeSpan.FromMilliseconds(500), context.Interrupted);
                    foreach (var record in records)
                    {
                        if (max is not null && printed >= max)
                        {
                            break; // not printed, so not committed: the group reads it next time
                        }
                        Print(context, record, context.Get(showKey));
                        committer.Printed(record);
                        printed++;
                        lastMessage = Stopwatch.GetTimestamp();
                    }
                    if (groupId is not null)
                    {
                        await committer.CommitAsync(context.Interrupted);
                    }
                }
                await context.Out.FlushAsync(context.Interrupted);
                if (groupId is not null)
                {
                    await committer.CommitAsync(context.Interrupted);
                }
            }
            await context.Error.WriteLineAsync($"Consumed {printed} message(s){(groupId is null ? "" : $" as group '{groupId}' (offsets committed)")}.");
        });
        return command;
    }

    private static void Print(CommandContext context, LogRecord record, bool showKey)
    {
        var key = record.Key is { } k ? Encoding.UTF8.GetString(k.Span) : null;
        var value = Encoding.UTF8.GetString(record.Value.Span);
        if (context.Json)
        {
            Json.WriteLine(context.Out, new
            {
                topic = record.Topic,
                partition = record.Partition,
                offset = record.Offset,
                timestamp = record.Timestamp,
                key,
                value,
                headers = record.Headers.ToDictionary(h => h.Key, h => h.GetString(), StringComparer.Ordinal),
            });
            return;
        }
        context.Out.WriteLine(showKey ? $"{key}\t{value}" : value);
    }

    /// <summary>Commits, per partition, the position after the last printed record; also when partitions are revoked.</summary>
    private sealed class Committer : IPartitionAssignmentListener
    {
        private readonly Dictionary<TopicPartition, long> _pending = [];

        public KafkaConsumer? Consumer { get; set; }

        public void Printed(LogRecord record) => _pending[new TopicPartition(record.Topic, record.Partition)] = record.Offset + 1;

        public async ValueTask CommitAsync(CancellationToken cancellationToken, IReadOnlyCollection<TopicPartition>? only = null)
        {
            var offsets = _pending.Where(p => only is null || only.Contains(p.Key)).Select(p => new TopicPartitionOffset(p.Key.Topic, p.Key.Partition, p.Value)).ToList();
            if (offsets.Count == 0 || Consumer is null)
            {
                return;
            }
            await Consumer.CommitAsync(offsets, cancellationToken).ConfigureAwait(false);
            foreach (var committed in offsets)
            {
                _pending.Remove(committed.TopicPartition);
            }
        }

        public ValueTask OnPartitionsAssignedAsync(IReadOnlyList<TopicPartition> partitions, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask OnPartitionsRevokedAsync(IReadOnlyList<TopicPartition> partitions, CancellationToken cancellationToken) =>
            CommitAsync(cancellationToken, partitions.ToHashSet());
    }
}

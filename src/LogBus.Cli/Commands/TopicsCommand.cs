using System.CommandLine;
using LogBus.Cli.Internal;

namespace LogBus.Cli.Commands;

/// <summary><c>logbus topics list|create|describe|delete</c>.</summary>
internal static class TopicsCommand
{
    public static Command Create()
    {
        var topics = new Command("topics", "List, create, describe and delete topics");
        topics.Subcommands.Add(List());
        topics.Subcommands.Add(CreateTopic());
        topics.Subcommands.Add(Describe());
        topics.Subcommands.Add(Delete());
        return topics;
    }

    private static Command List()
    {
        var command = new Command("list", "List the cluster's topics with their partition counts");
        GlobalOptions.SetAction(command, async context =>
        {
            using var deadline = context.Deadline();
            var metadata = await context.Session.MetadataAsync(null, deadline.Token);
            var topics = metadata.Topics.Where(t => t.ErrorCode == Protocol.ErrorCode.None).OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
            if (context.Json)
            {
                Json.Write(context.Out, topics.Select(t => new { name = t.Name, partitions = t.Partitions.Count, @internal = t.IsInternal }));
                return;
            }
            var table = new Table("TOPIC", "PARTITIONS", "INTERNAL");
            foreach (var topic in topics)
            {
                table.Add(topic.Name, topic.Partitions.Count, topic.IsInternal ? "yes" : "");
            }
            table.WriteTo(context.Out);
        });
        return command;
    }

    private static Command CreateTopic()
    {
        var name = new Argument<string>("topic") { Description = "Topic name" };
        var partitions = new Option<int>("--partitions", "-p") { Description = "Number of partitions", DefaultValueFactory = _ => 1 };
        var replication = new Option<short>("--replication-factor", "-r") { Description = "Replicas per partition (-1: the broker's default)", DefaultValueFactory = _ => -1 };
        var configs = new Option<string[]>("--config", "-c") { Description = "Topic config NAME=VALUE, repeatable (e.g. retention.ms=86400000)" };
        var ifNotExists = new Option<bool>("--if-not-exists") { Description = "Succeed when the topic already exists" };
        var command = new Command("create", "Create a topic") { name, partitions, replication, configs, ifNotExists };
        GlobalOptions.SetAction(command, async context =>
        {
            var topic = context.Get(name);
            var count = context.Get(partitions);
            if (count < 1)
            {
                throw CliException.Usage("--partitions must be at least 1");
            }
            var settings = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var config in context.Parse.GetValue(configs) ?? [])
            {
                var equals = config.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    throw CliException.Usage($"--config needs NAME=VALUE (was '{config}')");
                }
                settings[config[..equals]] = config[(equals + 1)..];
            }
            using var deadline = context.Deadline();
            var created = await context.Session.CreateTopicAsync(topic, count, context.Get(replication), settings, context.Get(ifNotExists), deadline.Token);
            if (context.Json)
            {
                Json.Write(context.Out, new { name = topic, partitions = created, configs = settings });
                return;
            }
            await context.Out.WriteLineAsync($"Topic '{topic}' is ready with {created} partition(s).");
        });
        return command;
    }

    private static Command Describe()
    {
        var name = new Argument<string>("topic") { Description = "Topic name" };
        var command = new Command("describe", "Show a topic's partitions: leader, replicas, in-sync replicas, start and end offsets") { name };
        GlobalOptions.SetAction(command, async context =>
        {
            var topicName = context.Get(name);
            using var deadline = context.Deadline();
            var topic = await context.Session.RequireTopicAsync(topicName, deadline.Token);
            var indexes = topic.Partitions.Select(p => p.PartitionIndex).ToList();
            var starts = await context.Session.OffsetsAsync(topicName, indexes, -2, deadline.Token);
            var ends = await context.Session.OffsetsAsync(topicName, indexes, -1, deadline.Token);
            var partitions = topic.Partitions.OrderBy(p => p.PartitionIndex).Select(p => new
            {
                partition = p.PartitionIndex,
                leader = p.LeaderId,
                replicas = p.ReplicaNodes,
                isr = p.IsrNodes,
                startOffset = starts.TryGetValue(p.PartitionIndex, out var start) ? start : (long?)null,
                endOffset = ends.TryGetValue(p.PartitionIndex, out var end) ? end : (long?)null,
                error = p.ErrorCode == Protocol.ErrorCode.None ? null : p.ErrorCode.ToString(),
            }).ToList();
            if (context.Json)
            {
                Json.Write(context.Out, new
                {
                    name = topic.Name,
                    @internal = topic.IsInternal,
                    partitions,
                    messages = partitions.Sum(p => (p.endOffset ?? 0) - (p.startOffset ?? 0)),
                });
                return;
            }
            var total = partitions.Sum(p => (p.endOffset ?? 0) - (p.startOffset ?? 0));
            await context.Out.WriteLineAsync($"Topic: {topic.Name}  Partitions: {partitions.Count}  Messages: {total}{(topic.IsInternal ? "  (internal)" : "")}");
            var table = new Table("PARTITION", "LEADER", "REPLICAS", "ISR", "START", "END", "MESSAGES");
            foreach (var p in partitions)
            {
                table.Add(p.partition, p.leader, string.Join(',', p.replicas), string.Join(',', p.isr), p.startOffset, p.endOffset,
                    p.startOffset is { } s && p.endOffset is { } e ? e - s : null);
            }
            table.WriteTo(context.Out);
        });
        return command;
    }

    private static Command Delete()
    {
        var name = new Argument<string>("topic") { Description = "Topic name" };
        var command = new Command("delete", "Delete a topic and its data") { name };
        GlobalOptions.SetAction(command, async context =>
        {
            var topic = context.Get(name);
            using var deadline = context.Deadline();
            await context.Session.DeleteTopicAsync(topic, deadline.Token);
            if (context.Json)
            {
                Json.Write(context.Out, new { name = topic, deleted = true });
                return;
            }
            await context.Out.WriteLineAsync($"Topic '{topic}' deleted.");
        });
        return command;
    }
}

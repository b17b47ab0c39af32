using System.CommandLine;
using LogBus.Cli.Internal;
using LogBus.Transport;

namespace LogBus.Cli.Commands;

/// <summary><c>logbus groups list|describe</c>: consumer groups, their members, committed offsets and lag.</summary>
internal static class GroupsCommand
{
    public static Command Create()
    {
        var groups = new Command("groups", "List consumer groups; describe members, assignments, committed offsets and lag");
        groups.Subcommands.Add(List());
        groups.Subcommands.Add(Describe());
        return groups;
    }

    private static Command List()
    {
        var command = new Command("list", "List the consumer groups the brokers know");
        GlobalOptions.SetAction(command, async context =>
        {
            using var deadline = context.Deadline();
            var groups = (await context.Session.Admin.ListGroupsAsync(deadline.Token)).OrderBy(g => g.GroupId, StringComparer.Ordinal).ToList();
            if (context.Json)
            {
                Json.Write(context.Out, groups.Select(g => new { groupId = g.GroupId, protocolType = g.ProtocolType }));
                return;
            }
            var table = new Table("GROUP", "PROTOCOL-TYPE");
            foreach (var (groupId, protocolType) in groups)
            {
                table.Add(groupId, protocolType.Length == 0 ? "-" : protocolType);
            }
            table.WriteTo(context.Out);
        });
        return command;
    }

    private static Command Describe()
    {
        var name = new Argument<string>("group") { Description = "Group id" };
        var command = new Command("describe", "Show a group: state, members and, per partition, the owner, committed offset, log end and lag") { name };
        GlobalOptions.SetAction(command, async context =>
        {
            var groupId = context.Get(name);
            using var deadline = context.Deadline();
            var group = await context.Session.Admin.DescribeGroupAsync(groupId, deadline.Token);
            if (group.State is "Dead" && group.Members.Count == 0 && group.Offsets.Count == 0)
            {
                throw new CliException($"unknown group '{groupId}'");
            }
            var owners = new Dictionary<TopicPartition, Transport.Kafka.Client.KafkaGroupMemberInfo>();
            foreach (var member in group.Members)
            {
                foreach (var partition in member.Assignment)
                {
                    owners[partition] = member;
                }
            }
            // Assigned partitions without a committed offset still have a log end worth showing.
            var uncommitted = owners.Keys.Where(p => !group.Offsets.Any(o => o.Partition == p)).ToList();
            var ends = await context.Session.EndOffsetsAsync(uncommitted, deadline.Token);
            var rows = group.Offsets.Select(o => (o.Partition, Committed: (long?)o.CommittedOffset, End: o.EndOffset >= 0 ? o.EndOffset : (long?)null, Lag: o.Lag >= 0 ? o.Lag : (long?)null))
                .Concat(uncommitted.Select(p => (Partition: p, Committed: (long?)null, End: ends.TryGetValue(p, out var e) ? e : (long?)null, Lag: (long?)null)))
                .OrderBy(r => r.Partition.Topic, StringComparer.Ordinal).ThenBy(r => r.Partition.Partition)
                .ToList();
            var totalLag = rows.Sum(r => r.Lag ?? 0);
            if (context.Json)
            {
                Json.Write(context.Out, new
                {
                    groupId = group.GroupId,
                    state = group.State,
                    protocolType = group.ProtocolType,
                    protocol = group.Protocol,
                    members = group.Members.Select(m => new
                    {
                        memberId = m.MemberId,
                        clientId = m.ClientId,
                        host = m.ClientHost,
                        assignment = m.Assignment.Select(a => new { topic = a.Topic, partition = a.Partition }),
                    }),
                    partitions = rows.Select(r => new
                    {
                        topic = r.Partition.Topic,
                        partition = r.Partition.Partition,
                        committedOffset = r.Committed,
                        logEndOffset = r.End,
                        lag = r.Lag,
                        memberId = owners.TryGetValue(r.Partition, out var owner) ? owner.MemberId : null,
                    }),
                    totalLag,
                });
                return;
            }
            await context.Out.WriteLineAsync($"Group: {group.GroupId}  State: {group.State}  Protocol: {(group.Protocol.Length == 0 ? "-" : group.Protocol)}  Members: {group.Members.Count}  Total lag: {totalLag}");
            await context.Out.WriteLineAsync();
            var table = new Table("TOPIC", "PARTITION", "COMMITTED", "LOG-END", "LAG", "MEMBER", "CLIENT-ID", "HOST");
            foreach (var row in rows)
            {
                owners.TryGetValue(row.Partition, out var owner);
                table.Add(row.Partition.Topic, row.Partition.Partition, row.Committed, row.End, row.Lag, owner?.MemberId, owner?.ClientId, owner?.ClientHost);
            }
            foreach (var idle in group.Members.Where(m => m.Assignment.Count == 0))
            {
                table.Add(null, null, null, null, null, idle.MemberId, idle.ClientId, idle.ClientHost);
            }
            table.WriteTo(context.Out);
        });
        return command;
    }
}

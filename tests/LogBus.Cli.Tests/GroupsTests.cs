using System.Diagnostics;
using System.Text.Json;
using LogBus.Testing;

namespace LogBus.Cli.Tests;

/// <summary><c>logbus consume --group</c> commits; <c>logbus groups</c> shows members, assignments, committed offsets, log ends and lag.</summary>
[Collection(nameof(BrokerCollection))]
public sealed class GroupsTests(BrokerFixture fixture)
{
    private string Bootstrap => fixture.Broker.Bootstrap;

    [Fact]
    public async Task A_group_commits_what_it_printed_and_describe_shows_the_lag_per_partition()
    {
        await Logbus.OkAsync(Bootstrap, "topics", "create", "cli-lag", "--partitions", "2");
        var input = string.Join('\n', Enumerable.Range(0, 10).Select(i => $"k{i}\tv{i}")) + "\n";
        var produced = await Logbus.RunWithInputAsync(Bootstrap, input, "produce", "cli-lag");
        Assert.True(produced.ExitCode == 0, produced.ToString());
        var ends = (await Logbus.JsonAsync(Bootstrap, "topics", "describe", "cli-lag")).GetProperty("partitions").EnumerateArray()
            .ToDictionary(p => p.GetProperty("partition").GetInt32(), p => p.GetProperty("endOffset").GetInt64());
        Assert.Equal(10, ends.Values.Sum());

        var first = await Logbus.OkAsync(Bootstrap, "consume", "cli-lag", "--group", "cli-lag-group", "--from-beginning", "--max-messages", "4", "--timeout", "30s");
        var firstValues = first.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, firstValues.Length);
        Assert.Contains("Consumed 4 message(s) as group 'cli-lag-group' (offsets committed).", first.StandardError, StringComparison.Ordinal);

        var group = await Logbus.JsonAsync(Bootstrap, "groups", "describe", "cli-lag-group");
        Assert.Equal("Empty", group.GetProperty("state").GetString());
        var rows = group.GetProperty("partitions").EnumerateArray().ToList();
        Assert.NotEmpty(rows);
        Assert.Equal(4, rows.Sum(r => r.GetProperty("committedOffset").GetInt64())); // offsets start at 0: committed = messages read
        foreach (var row in rows)
        {
            var partition = row.GetProperty("partition").GetInt32();
            Assert.Equal(ends[partition], row.GetProperty("logEndOffset").GetInt64());
            Assert.Equal(ends[partition] - row.GetProperty("committedOffset").GetInt64(), row.GetProperty("lag").GetInt64());
        }
        Assert.Equal(rows.Sum(r => r.GetProperty("lag").GetInt64()), group.GetProperty("totalLag").GetInt64());

        var table = await Logbus.OkAsync(Bootstrap, "groups", "describe", "cli-lag-group");
        Assert.StartsWith("Group: cli-lag-group  State: Empty", table.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("TOPIC    PARTITION  COMMITTED  LOG-END  LAG  MEMBER  CLIENT-ID  HOST", table.StandardOutput, StringComparison.Ordinal);

        // The group resumes at its commits: the second run prints exactly the six others.
        var second = await Logbus.OkAsync(Bootstrap, "consume", "cli-lag", "--group", "cli-lag-group", "--from-beginning", "--timeout", "3s");
        var secondValues = second.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, secondValues.Length);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"v{i}").Order(), firstValues.Concat(secondValues).Order());

        var caughtUp = await Logbus.JsonAsync(Bootstrap, "groups", "describe", "cli-lag-group");
        var caughtUpRows = caughtUp.GetProperty("partitions").EnumerateArray().ToList();
        Assert.Equal(ends.Where(e => e.Value > 0).Select(e => e.Key).Order(), caughtUpRows.Select(r => r.GetProperty("partition").GetInt32()).Order());
        Assert.All(caughtUpRows, r => Assert.Equal(0, r.GetProperty("lag").GetInt64()));
        Assert.Equal(0, caughtUp.GetProperty("totalLag").GetInt64());

        var groups = await Logbus.JsonAsync(Bootstrap, "groups", "list");
        Assert.Contains(groups.EnumerateArray(), g => g.GetProperty("groupId").GetString() == "cli-lag-group" && g.GetProperty("protocolType").GetString() == "consumer");
    }

    [Fact]
    public async Task Describe_shows_a_running_member_and_the_partitions_assigned_to_it()
    {
        await Logbus.OkAsync(Bootstrap, "topics", "create", "cli-members", "--partitions", "3");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in (string[])[RepositoryPaths.Output("src/LogBus.Cli", "LogBus.Cli"), "--bootstrap", Bootstrap, "consume", "cli-members", "--group", "cli-members-group", "--timeout", "90s"])
        {
            info.ArgumentList.Add(argument);
        }
        using var member = Process.Start(info)!;
        try
        {
            // Bounded wait for the member to join and get its assignment.
            JsonElement group = default;
            var deadline = Stopwatch.StartNew();
            var last = "";
            while (deadline.Elapsed < TimeSpan.FromSeconds(60) && !member.HasExited)
            {
                // Until the member's JoinGroup arrives the group does not exist ("unknown group", exit 1).
                var describe = await Logbus.RunAsync(Bootstrap, "groups", "describe", "cli-members-group", "--json");
                last = describe.ToString();
                if (describe.ExitCode != 0)
                {
                    Assert.Contains("unknown group 'cli-members-group'", describe.StandardError, StringComparison.Ordinal);
                    continue;
                }
                group = JsonDocument.Parse(describe.StandardOutput).RootElement.Clone();
                if (group.GetProperty("state").GetString() == "Stable" && group.GetProperty("members").GetArrayLength() == 1)
                {
                    break;
                }
            }
            Assert.True(group.ValueKind == JsonValueKind.Object, $"the member never showed up; last describe: {last}");
            Assert.Equal("Stable", group.GetProperty("state").GetString());
            var joined = Assert.Single(group.GetProperty("members").EnumerateArray());
            Assert.Equal("logbus-cli", joined.GetProperty("clientId").GetString());
            Assert.Equal([0, 1, 2], joined.GetProperty("assignment").EnumerateArray().Select(a => a.GetProperty("partition").GetInt32()).Order());
            Assert.Equal("range", group.GetProperty("protocol").GetString());

            var table = await Logbus.OkAsync(Bootstrap, "groups", "describe", "cli-members-group");
            var memberId = joined.GetProperty("memberId").GetString()!;
            var rows = table.StandardOutput.Split('\n').Where(l => l.StartsWith("cli-members ", StringComparison.Ordinal)).ToList();
            Assert.Equal(3, rows.Count); // one row per assigned partition (no commits yet: COMMITTED and LAG are "-")
            Assert.All(rows, r => Assert.Contains(memberId, r, StringComparison.Ordinal));
        }
        finally
        {
            member.Kill(entireProcessTree: true);
            await member.WaitForExitAsync();
        }
    }
}

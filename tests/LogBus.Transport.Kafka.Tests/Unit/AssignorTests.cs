using LogBus.Transport.Kafka.Client;

namespace LogBus.Transport.Kafka.Tests.Unit;

public sealed class AssignorTests
{
    private static Dictionary<string, List<string>> Subs(params (string Member, string[] Topics)[] members) =>
        members.ToDictionary(m => m.Member, m => m.Topics.ToList());

    [Fact]
    public void Range_gives_contiguous_ranges_per_topic_and_the_extra_partitions_to_the_first_members()
    {
        var result = new RangeAssignor().Assign(
            Subs(("c1", ["t0", "t1"]), ("c0", ["t0", "t1"])),
            new Dictionary<string, int> { ["t0"] = 3, ["t1"] = 3 });
        // Kafka's documented example: C0: [t0p0, t0p1, t1p0, t1p1], C1: [t0p2, t1p2].
        Assert.Equal([new("t0", 0), new("t0", 1), new("t1", 0), new("t1", 1)], result["c0"]);
        Assert.Equal([new("t0", 2), new("t1", 2)], result["c1"]);
    }

    [Fact]
    public void Round_robin_interleaves_all_partitions_over_the_members()
    {
        var result = new RoundRobinAssignor().Assign(
            Subs(("c1", ["t0", "t1"]), ("c0", ["t0", "t1"])),
            new Dictionary<string, int> { ["t0"] = 3, ["t1"] = 3 });
        // Kafka's documented example: C0: [t0p0, t0p2, t1p1], C1: [t0p1, t1p0, t1p2].
        Assert.Equal([new("t0", 0), new("t0", 2), new("t1", 1)], result["c0"]);
        Assert.Equal([new("t0", 1), new("t1", 0), new("t1", 2)], result["c1"]);
    }

    [Fact]
    public void Round_robin_skips_members_that_do_not_subscribe_to_a_topic()
    {
        var result = new RoundRobinAssignor().Assign(
            Subs(("a", ["t0"]), ("b", ["t0", "t1"])),
            new Dictionary<string, int> { ["t0"] = 2, ["t1"] = 2 });
        Assert.Equal([new("t0", 0)], result["a"]);
        Assert.Equal([new("t0", 1), new("t1", 0), new("t1", 1)], result["b"]);
    }

    [Theory]
    [InlineData("range")]
    [InlineData("roundrobin")]
    public void Every_partition_goes_to_exactly_one_subscribed_member(string name)
    {
        IPartitionAssignor assignor = name == "range" ? new RangeAssignor() : new RoundRobinAssignor();
        var random = new Random(7);
        for (var round = 0; round < 200; round++)
        {
            var topics = Enumerable.Range(0, random.Next(1, 5)).Select(i => $"t{i}").ToList();
            var counts = topics.ToDictionary(t => t, _ => random.Next(1, 20));
            var subs = Enumerable.Range(0, random.Next(1, 8)).ToDictionary(
                m => $"m{m}",
                _ => topics.Where(_ => random.Next(3) > 0).DefaultIfEmpty(topics[0]).ToList());
            var result = assignor.Assign(subs, counts);
            var assigned = result.SelectMany(r => r.Value.Select(p => (r.Key, p))).ToList();
            var expected = counts.Where(c => subs.Values.Any(s => s.Contains(c.Key))).Sum(c => c.Value);
            Assert.Equal(expected, assigned.Count);
            Assert.Equal(expected, assigned.Select(a => a.p).Distinct().Count());
            Assert.All(assigned, a => Assert.Contains(a.p.Topic, subs[a.Key]));
            Assert.All(assigned, a => Assert.InRange(a.p.Partition, 0, counts[a.p.Topic] - 1));
        }
    }
}

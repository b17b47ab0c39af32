using System.Collections.Immutable;
using LogBus.Broker.Cluster;

namespace LogBus.Broker.Tests.Cluster;

public sealed class ControllerDecisionsTests
{
    private static ClusterMetadataImage Cluster(params int[] brokers)
    {
        var image = ClusterMetadataImage.Empty;
        long offset = 0;
        foreach (var id in brokers)
        {
            image = image.Apply(new MetadataRecord { Type = MetadataRecordType.RegisterBroker, BrokerId = id, Host = "h", Port = 9000 + id }, ++offset);
            image = image.Apply(new MetadataRecord { Type = MetadataRecordType.FenceBroker, BrokerId = id, Fenced = false }, ++offset);
        }

        return image.Apply(new MetadataRecord { Type = MetadataRecordType.CreateTopic, Topic = "t", TopicId = Guid.NewGuid(), Assignments = [[1, 2, 3]] }, ++offset);
    }

    private static ClusterMetadataImage ApplyAll(ClusterMetadataImage image, IEnumerable<MetadataRecord> records)
    {
        foreach (var record in records)
        {
            image = image.Apply(record, image.Offset + 1);
        }

        return image;
    }

    [Fact]
    public void Healthy_cluster_needs_no_change()
    {
        Assert.Empty(ControllerDecisions.Compute(Cluster(1, 2, 3), _ => true));
    }

    [Fact]
    public void Dead_leader_is_fenced_and_leadership_moves_within_the_isr_with_a_new_epoch()
    {
        var image = Cluster(1, 2, 3);
        var alive = new HashSet<int> { 2, 3 };
        image = ApplyAll(image, ControllerDecisions.Compute(image, alive.Contains));
        Assert.True(image.Brokers[1].Fenced);
        var p = image.Partition("t", 0)!;
        Assert.Equal(2, p.Leader);
        Assert.Equal<int>([2, 3], p.Isr);
        Assert.Equal(1, p.LeaderEpoch);
        Assert.Empty(ControllerDecisions.Compute(image, alive.Contains));

        // The broker returns: unfenced, but it re-enters the ISR only through the leader (after catching up).
        alive.Add(1);
        image = ApplyAll(image, ControllerDecisions.Compute(image, alive.Contains));
        Assert.False(image.Brokers[1].Fenced);
        Assert.Equal<int>([2, 3], image.Partition("t", 0)!.Isr);
        Assert.Equal(2, image.Partition("t", 0)!.Leader);
    }

    [Fact]
    public void No_unclean_election_when_the_last_isr_member_dies()
    {
        var image = Cluster(1, 2, 3);
        image = ApplyAll(image, ControllerDecisions.Compute(image, id => id == 1)); // 2 and 3 die
        image = ApplyAll(image, ControllerDecisions.Compute(image, id => id == 1));
        Assert.Equal<int>([1], image.Partition("t", 0)!.Isr);
        image = ApplyAll(image, ControllerDecisions.Compute(image, _ => false)); // now 1 dies too
        var p = image.Partition("t", 0)!;
        Assert.Equal(-1, p.Leader);
        Assert.Equal<int>([1], p.Isr); // the ISR never becomes empty
        // 2 returns: it is not in the ISR, so it must not lead (unclean election is off).
        image = ApplyAll(image, ControllerDecisions.Compute(image, id => id == 2));
        image = ApplyAll(image, ControllerDecisions.Compute(image, id => id == 2));
        Assert.Equal(-1, image.Partition("t", 0)!.Leader);
        // 1 returns: it leads again with a new epoch.
        image = ApplyAll(image, ControllerDecisions.Compute(image, _ => true));
        image = ApplyAll(image, ControllerDecisions.Compute(image, _ => true));
        p = image.Partition("t", 0)!;
        Assert.Equal(1, p.Leader);
        Assert.Equal(2, p.LeaderEpoch); // bumped to 1 when it became leaderless, to 2 now
    }

    [Fact]
    public void Restarted_broker_reregisters_fenced_and_leaves_isrs_before_unfencing()
    {
        var image = Cluster(1, 2, 3);
        image = image.Apply(new MetadataRecord { Type = MetadataRecordType.RegisterBroker, BrokerId = 1, Host = "h", Port = 9001 }, image.Offset + 1);
        Assert.True(image.Brokers[1].Fenced);
        var first = ControllerDecisions.Compute(image, _ => true);
        Assert.DoesNotContain(first, r => r.Type == MetadataRecordType.FenceBroker); // still in a shared ISR
        image = ApplyAll(image, first);
        Assert.Equal<int>([2, 3], image.Partition("t", 0)!.Isr);
        Assert.Equal(2, image.Partition("t", 0)!.Leader);
        image = ApplyAll(image, ControllerDecisions.Compute(image, _ => true));
        Assert.False(image.Brokers[1].Fenced);
    }

    [Fact]
    public void Stale_partition_change_is_ignored()
    {
        var image = Cluster(1, 2, 3);
        var stale = new MetadataRecord { Type = MetadataRecordType.PartitionChange, Topic = "t", Partition = 0, Leader = 1, Isr = [1], LeaderEpoch = 0, ExpectedPartitionEpoch = 0 };
        image = image.Apply(stale, image.Offset + 1);
        Assert.Equal<int>([1], image.Partition("t", 0)!.Isr);
        image = image.Apply(stale, image.Offset + 1); // the same change again: its epoch no longer matches
        Assert.Equal(1, image.Partition("t", 0)!.PartitionEpoch);
    }

    [Fact]
    public void Assignment_spreads_replicas_over_live_brokers()
    {
        var image = Cluster(1, 2, 3);
        var assignment = ControllerDecisions.Assign(image, 3, 3, seed: 0)!.Value;
        Assert.Equal<int>([1, 2, 3], assignment[0]);
        Assert.Equal<int>([2, 3, 1], assignment[1]);
        Assert.Equal<int>([3, 1, 2], assignment[2]);
        Assert.Null(ControllerDecisions.Assign(image, 1, 4, seed: 0));
    }

    [Fact]
    public void Codec_round_trips_records_and_images()
    {
        var image = Cluster(1, 2, 3);
        var record = new MetadataRecord { Type = MetadataRecordType.CreateTopic, Topic = "x", TopicId = Guid.NewGuid(), Assignments = [[1, 2], [2, 3]], Configs = ImmutableDictionary<string, string>.Empty.Add("retention.ms", "5") };
        var decoded = MetadataCodec.Decode(MetadataCodec.Encode(record))!;
        Assert.Equal(record.Topic, decoded.Topic);
        Assert.Equal(record.TopicId, decoded.TopicId);
        Assert.Equal(record.Assignments.Select(a => a.ToArray()), decoded.Assignments.Select(a => a.ToArray()));
        Assert.Equal("5", decoded.Configs["retention.ms"]);
        image = image.Apply(decoded, image.Offset + 1);
        var copy = MetadataCodec.DecodeImage(MetadataCodec.EncodeImage(image));
        Assert.Equal(image.Offset, copy.Offset);
        Assert.Equal(image.Brokers.Values, copy.Brokers.Values);
        Assert.Equal(image.Topics.Keys, copy.Topics.Keys);
        Assert.Equal(image.Partition("x", 1), copy.Partition("x", 1));
        Assert.Throws<InvalidDataException>(() => MetadataCodec.Decode([3, 1, 0]));
        Assert.Throws<InvalidDataException>(() => MetadataCodec.DecodeImage([1, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 127]));
    }
}

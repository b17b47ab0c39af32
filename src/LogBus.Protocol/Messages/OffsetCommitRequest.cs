using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>OffsetCommit (key 8) request, versions 0-7.</summary>
public sealed class OffsetCommitRequest : KafkaRequest
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.OffsetCommit;

    /// <summary>The group id.</summary>
    public string GroupId { get; set; } = string.Empty;

    /// <summary>The generation of the group, or -1 (v1+).</summary>
    public int GenerationId { get; set; } = -1;

    /// <summary>The member id assigned by the coordinator (v1+).</summary>
    public string MemberId { get; set; } = string.Empty;

    /// <summary>The static member's instance id, or null (v7+).</summary>
    public string? GroupInstanceId { get; set; }

    /// <summary>How long to keep the offsets, or -1 for the broker default (v2-4).</summary>
    public long RetentionTimeMs { get; set; } = -1;

    /// <summary>The offsets to commit.</summary>
    public List<Topic> Topics { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.OffsetCommit, version);
        writer.WriteString(GroupId);
        if (version >= 1)
        {
            writer.WriteInt32(GenerationId);
            writer.WriteString(MemberId);
        }
        if (version >= 7)
        {
            writer.WriteNullableString(GroupInstanceId);
        }
        if (version is >= 2 and <= 4)
        {
            writer.WriteInt64(RetentionTimeMs);
        }
        writer.WriteArrayCount(Topics.Count);
        foreach (var t in Topics)
        {
            writer.WriteString(t.Name);
            writer.WriteArrayCount(t.Partitions.Count);
            foreach (var p in t.Partitions)
            {
                writer.WriteInt32(p.PartitionIndex);
                writer.WriteInt64(p.CommittedOffset);
                if (version >= 6)
                {
                    writer.WriteInt32(p.CommittedLeaderEpoch);
                }
                if (version == 1)
                {
                    writer.WriteInt64(p.CommitTimestamp);
                }
                writer.WriteNullableString(p.CommittedMetadata);
            }
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static OffsetCommitRequest Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.OffsetCommit, version);
        var r = new OffsetCommitRequest { GroupId = reader.ReadString() };
        if (version >= 1)
        {
            r.GenerationId = reader.ReadInt32();
            r.MemberId = reader.ReadString();
        }
        if (version >= 7)
        {
            r.GroupInstanceId = reader.ReadNullableString();
        }
        if (version is >= 2 and <= 4)
        {
            r.RetentionTimeMs = reader.ReadInt64();
        }
        r.Topics = Arrays.Read(ref reader, version, 6, Topic.Read);
        return r;
    }

    /// <summary>Offsets for one topic.</summary>
    public sealed class Topic
    {
        /// <summary>The topic name.</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>Offsets per partition.</summary>
        public List<Partition> Partitions { get; set; } = [];

        internal static Topic Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            Partitions = Arrays.Read(ref reader, version, 14, Partition.Read),
        };
    }

    /// <summary>The offset for one partition.</summary>
    public sealed class Partition
    {
        /// <summary>The partition index.</summary>
        public int PartitionIndex { get; set; }

        /// <summary>The offset to commit (the next offset to consume).</summary>
        public long CommittedOffset { get; set; }

        /// <summary>The leader epoch of the last consumed record, or -1 (v6+).</summary>
        public int CommittedLeaderEpoch { get; set; } = -1;

        /// <summary>The commit timestamp, or -1 (v1 only).</summary>
        public long CommitTimestamp { get; set; } = -1;

        /// <summary>Client metadata stored with the offset, or null.</summary>
        public string? CommittedMetadata { get; set; }

        internal static Partition Read(ref KafkaReader reader, short version)
        {
            var p = new Partition
            {
                PartitionIndex = reader.ReadInt32(),
                CommittedOffset = reader.ReadInt64(),
            };
            if (version >= 6)
            {
                p.CommittedLeaderEpoch = reader.ReadInt32();
            }
            if (version == 1)
            {
                p.CommitTimestamp = reader.ReadInt64();
            }
            p.CommittedMetadata = reader.ReadNullableString();
            return p;
        }
    }
}

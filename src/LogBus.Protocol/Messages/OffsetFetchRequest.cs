using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>OffsetFetch (key 9) request, versions 1-5.</summary>
public sealed class OffsetFetchRequest : KafkaRequest
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.OffsetFetch;

    /// <summary>The group id.</summary>
    public string GroupId { get; set; } = string.Empty;

    /// <summary>The partitions to fetch offsets for; null means all of the group's (v2+; v1 writes null as empty).</summary>
    public List<Topic>? Topics { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.OffsetFetch, version);
        writer.WriteString(GroupId);
        if (Topics is null)
        {
            if (version >= 2)
            {
                writer.WriteNullArray();
            }
            else
            {
                writer.WriteArrayCount(0);
            }
            return;
        }
        writer.WriteArrayCount(Topics.Count);
        foreach (var t in Topics)
        {
            writer.WriteString(t.Name);
            writer.WriteInt32Array(t.PartitionIndexes);
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static OffsetFetchRequest Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.OffsetFetch, version);
        return new OffsetFetchRequest
        {
            GroupId = reader.ReadString(),
            Topics = version >= 2
                ? Arrays.ReadNullable(ref reader, version, 6, Topic.Read)
                : Arrays.Read(ref reader, version, 6, Topic.Read),
        };
    }

    /// <summary>One topic to fetch offsets for.</summary>
    public sealed class Topic
    {
        /// <summary>The topic name.</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>The partition indexes.</summary>
        public List<int> PartitionIndexes { get; set; } = [];

        internal static Topic Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            PartitionIndexes = reader.ReadInt32Array(),
        };
    }
}

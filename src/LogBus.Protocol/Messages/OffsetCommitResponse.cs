using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>OffsetCommit (key 8) response, versions 0-7.</summary>
public sealed class OffsetCommitResponse : KafkaResponse
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.OffsetCommit;

    /// <summary>Throttle time in milliseconds (v3+).</summary>
    public int ThrottleTimeMs { get; set; }

    /// <summary>Per-topic results.</summary>
    public List<TopicPartitionErrors> Topics { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.OffsetCommit, version);
        if (version >= 3)
        {
            writer.WriteInt32(ThrottleTimeMs);
        }
        PartitionErrors.Write(ref writer, Topics);
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static OffsetCommitResponse Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.OffsetCommit, version);
        var r = new OffsetCommitResponse();
        if (version >= 3)
        {
            r.ThrottleTimeMs = reader.ReadInt32();
        }
        r.Topics = PartitionErrors.Read(ref reader, version);
        return r;
    }
}

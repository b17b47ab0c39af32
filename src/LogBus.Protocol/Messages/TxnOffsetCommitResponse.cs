using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>TxnOffsetCommit (key 28) response, versions 0-2.</summary>
public sealed class TxnOffsetCommitResponse : KafkaResponse
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.TxnOffsetCommit;

    /// <summary>Throttle time in milliseconds.</summary>
    public int ThrottleTimeMs { get; set; }

    /// <summary>Per-topic, per-partition results.</summary>
    public List<TopicPartitionErrors> Topics { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.TxnOffsetCommit, version);
        writer.WriteInt32(ThrottleTimeMs);
        PartitionErrors.Write(ref writer, Topics);
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static TxnOffsetCommitResponse Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.TxnOffsetCommit, version);
        return new TxnOffsetCommitResponse
        {
            ThrottleTimeMs = reader.ReadInt32(),
            Topics = PartitionErrors.Read(ref reader, version),
        };
    }
}

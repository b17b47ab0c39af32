using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>AddPartitionsToTxn (key 24) response, versions 0-2.</summary>
public sealed class AddPartitionsToTxnResponse : KafkaResponse
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.AddPartitionsToTxn;

    /// <summary>Throttle time in milliseconds.</summary>
    public int ThrottleTimeMs { get; set; }

    /// <summary>Per-topic, per-partition results.</summary>
    public List<TopicPartitionErrors> Results { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.AddPartitionsToTxn, version);
        writer.WriteInt32(ThrottleTimeMs);
        PartitionErrors.Write(ref writer, Results);
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static AddPartitionsToTxnResponse Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.AddPartitionsToTxn, version);
        return new AddPartitionsToTxnResponse
        {
            ThrottleTimeMs = reader.ReadInt32(),
            Results = PartitionErrors.Read(ref reader, version),
        };
    }
}

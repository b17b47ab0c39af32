namespace LogBus.Protocol.Messages;

/// <summary>FindCoordinator (key 10) request, versions 0-2.</summary>
public sealed class FindCoordinatorRequest : KafkaRequest
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.FindCoordinator;

    /// <summary>The group id or transactional id.</summary>
    public string Key { get; set; } = string.Empty;

    /// <summary>0 group, 1 transaction (v1+).</summary>
    public sbyte KeyType { get; set; }

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.FindCoordinator, version);
        writer.WriteString(Key);
        if (version >= 1)
        {
            writer.WriteInt8(KeyType);
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static FindCoordinatorRequest Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.FindCoordinator, version);
        return new FindCoordinatorRequest
        {
            Key = reader.ReadString(),
            KeyType = version >= 1 ? reader.ReadInt8() : (sbyte)0,
        };
    }
}

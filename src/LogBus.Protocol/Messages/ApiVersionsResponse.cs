namespace LogBus.Protocol.Messages;

/// <summary>
/// ApiVersions (key 18) response, versions 0-3. Always sent with response header v0. v3 is flexible:
/// compact arrays, tagged fields per element and at the end (supported features, finalized features
/// and their epoch, ZK migration readiness; unknown tags are preserved).
/// </summary>
/// <remarks>
/// A broker answers an ApiVersions request of a version it does not support with a v0 response
/// carrying <see cref="ErrorCode.UnsupportedVersion"/> and its supported ranges; see
/// <see cref="ForUnsupportedVersion"/>.
/// </remarks>
public sealed class ApiVersionsResponse : KafkaResponse
{
    private const int SupportedFeaturesTag = 0;
    private const int FinalizedFeaturesEpochTag = 1;
    private const int FinalizedFeaturesTag = 2;
    private const int ZkMigrationReadyTag = 3;

    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.ApiVersions;

    /// <summary>The error, or <see cref="ErrorCode.None"/>.</summary>
    public ErrorCode ErrorCode { get; set; }

    /// <summary>The supported API ranges.</summary>
    public List<ApiVersionRange> ApiKeys { get; set; } = [];

    /// <summary>Throttle time in milliseconds (v1+).</summary>
    public int ThrottleTimeMs { get; set; }

    /// <summary>Features the broker supports (v3+, tagged field 0).</summary>
    public List<FeatureRange> SupportedFeatures { get; set; } = [];

    /// <summary>Epoch of the finalized features, or -1 (v3+, tagged field 1).</summary>
    public long FinalizedFeaturesEpoch { get; set; } = -1;

    /// <summary>Cluster-wide finalized features (v3+, tagged field 2).</summary>
    public List<FeatureRange> FinalizedFeatures { get; set; } = [];

    /// <summary>Set by a KRaft controller ready for ZK migration (v3+, tagged field 3).</summary>
    public bool ZkMigrationReady { get; set; }

    /// <summary>Top-level tagged fields this codec does not know (tags above 3), preserved.</summary>
    public List<TaggedField>? UnknownTaggedFields { get; set; }

    /// <summary>A response listing every range of <see cref="ApiVersionTable.Supported"/>.</summary>
    public static ApiVersionsResponse FromSupportedTable()
    {
        var r = new ApiVersionsResponse();
        r.ApiKeys.AddRange(ApiVersionTable.Supported);
        return r;
    }

    /// <summary>The answer to an ApiVersions request of an unsupported version: error 35 with our ranges, to be written as v0.</summary>
    public static ApiVersionsResponse ForUnsupportedVersion()
    {
        var r = FromSupportedTable();
        r.ErrorCode = ErrorCode.UnsupportedVersion;
        return r;
    }

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.ApiVersions, version);
        var flexible = version >= 3;
        writer.WriteInt16((short)ErrorCode);
        writer.WriteArrayCount(ApiKeys.Count, flexible);
        foreach (var k in ApiKeys)
        {
            writer.WriteInt16((short)k.ApiKey);
            writer.WriteInt16(k.MinVersion);
            writer.WriteInt16(k.MaxVersion);
            if (flexible)
            {
                writer.WriteUnsignedVarInt(0);
            }
        }
        if (version >= 1)
        {
            writer.WriteInt32(ThrottleTimeMs);
        }
        if (flexible)
        {
            WriteTaggedFields(ref writer);
        }
    }

    private void WriteTaggedFields(ref KafkaWriter writer)
    {
        var unknown = UnknownTaggedFields ?? [];
        foreach (var f in unknown)
        {
            if (f.Tag <= ZkMigrationReadyTag)
            {
                throw new KafkaProtocolException($"Tag {f.Tag} is a known ApiVersions field; set its property instead.", ErrorCode.InvalidRequest);
            }
        }
        var count = unknown.Count
            + (SupportedFeatures.Count > 0 ? 1 : 0)
            + (FinalizedFeaturesEpoch != -1 ? 1 : 0)
            + (FinalizedFeatures.Count > 0 ? 1 : 0)
            + (ZkMigrationReady ? 1 : 0);
        writer.WriteUnsignedVarInt((uint)count);
        if (SupportedFeatures.Count > 0)
        {
            var measure = KafkaWriter.CreateMeasuring();
            WriteFeatures(ref measure, SupportedFeatures, finalized: false);
            writer.WriteUnsignedVarInt(SupportedFeaturesTag);
            writer.WriteUnsignedVarInt((uint)measure.Position);
            WriteFeatures(ref writer, SupportedFeatures, finalized: false);
        }
        if (FinalizedFeaturesEpoch != -1)
        {
            writer.WriteUnsignedVarInt(FinalizedFeaturesEpochTag);
            writer.WriteUnsignedVarInt(8);
            writer.WriteInt64(FinalizedFeaturesEpoch);
        }
        if (FinalizedFeatures.Count > 0)
        {
            var measure = KafkaWriter.CreateMeasuring();
            WriteFeatures(ref measure, FinalizedFeatures, finalized: true);
            writer.WriteUnsignedVarInt(FinalizedFeaturesTag);
            writer.WriteUnsignedVarInt((uint)measure.Position);
            WriteFeatures(ref writer, FinalizedFeatures, finalized: true);
        }
        if (ZkMigrationReady)
        {
            writer.WriteUnsignedVarInt(ZkMigrationReadyTag);
            writer.WriteUnsignedVarInt(1);
            writer.WriteBoolean(true);
        }
        foreach (var f in unknown)
        {
            writer.WriteTaggedField(f.Tag, f.Data.Span);
        }
    }

    // Supported features carry (min, max); finalized features carry (max level, min level).
    private static void WriteFeatures(ref KafkaWriter writer, List<FeatureRange> features, bool finalized)
    {
        writer.WriteArrayCount(features.Count, compact: true);
        foreach (var f in features)
        {
            writer.WriteCompactString(f.Name);
            writer.WriteInt16(finalized ? f.MaxVersion : f.MinVersion);
            writer.WriteInt16(finalized ? f.MinVersion : f.MaxVersion);
            writer.WriteUnsignedVarInt(0);
        }
    }

    private static List<FeatureRange> ReadFeatures(ref KafkaReader reader, bool finalized)
    {
        var n = reader.ReadArrayCount(6, compact: true);
        var list = new List<FeatureRange>(n);
        for (var i = 0; i < n; i++)
        {
            var name = reader.ReadCompactString();
            var a = reader.ReadInt16();
            var b = reader.ReadInt16();
            List<TaggedField>? ignored = null;
            reader.ReadTaggedFields(ref ignored);
            list.Add(finalized ? new FeatureRange(name, b, a) : new FeatureRange(name, a, b));
        }
        return list;
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static ApiVersionsResponse Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.ApiVersions, version);
        var flexible = version >= 3;
        var r = new ApiVersionsResponse { ErrorCode = (ErrorCode)reader.ReadInt16() };
        var n = reader.ReadArrayCount(flexible ? 7 : 6, flexible);
        r.ApiKeys = new List<ApiVersionRange>(n);
        for (var i = 0; i < n; i++)
        {
            var key = (ApiKey)reader.ReadInt16();
            var min = reader.ReadInt16();
            var max = reader.ReadInt16();
            if (flexible)
            {
                List<TaggedField>? ignored = null;
                reader.ReadTaggedFields(ref ignored);
            }
            r.ApiKeys.Add(new ApiVersionRange(key, min, max));
        }
        if (version >= 1)
        {
            r.ThrottleTimeMs = reader.ReadInt32();
        }
        if (flexible)
        {
            var count = reader.ReadTaggedFieldCount();
            for (var i = 0; i < count; i++)
            {
                var body = reader.ReadTaggedFieldBody(out var tag);
                switch (tag)
                {
                    case SupportedFeaturesTag:
                        r.SupportedFeatures = ReadFeatures(ref body, finalized: false);
                        break;
                    case FinalizedFeaturesEpochTag:
                        r.FinalizedFeaturesEpoch = body.ReadInt64();
                        break;
                    case FinalizedFeaturesTag:
                        r.FinalizedFeatures = ReadFeatures(ref body, finalized: true);
                        break;
                    case ZkMigrationReadyTag:
                        r.ZkMigrationReady = body.ReadBoolean();
                        break;
                    default:
                        r.UnknownTaggedFields ??= [];
                        r.UnknownTaggedFields.Add(new TaggedField(tag, body.ReadRawMemory(body.Remaining)));
                        break;
                }
            }
        }
        return r;
    }
}

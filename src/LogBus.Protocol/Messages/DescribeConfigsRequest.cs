using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>DescribeConfigs (key 32) request, versions 0-2.</summary>
public sealed class DescribeConfigsRequest : KafkaRequest
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.DescribeConfigs;

    /// <summary>The resources to describe.</summary>
    public List<Resource> Resources { get; set; } = [];

    /// <summary>Whether to include synonyms (v1+).</summary>
    public bool IncludeSynonyms { get; set; }

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.DescribeConfigs, version);
        writer.WriteArrayCount(Resources.Count);
        foreach (var r in Resources)
        {
            writer.WriteInt8(r.ResourceType);
            writer.WriteString(r.ResourceName);
            writer.WriteStringArray(r.ConfigurationKeys, nullable: true);
        }
        if (version >= 1)
        {
            writer.WriteBoolean(IncludeSynonyms);
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static DescribeConfigsRequest Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.DescribeConfigs, version);
        return new DescribeConfigsRequest
        {
            Resources = Arrays.Read(ref reader, version, 7, Resource.Read),
            IncludeSynonyms = version >= 1 && reader.ReadBoolean(),
        };
    }

    /// <summary>A resource to describe.</summary>
    public sealed class Resource
    {
        /// <summary>The resource type: 2 topic, 4 broker, 8 broker logger.</summary>
        public sbyte ResourceType { get; set; }

        /// <summary>The resource name.</summary>
        public string ResourceName { get; set; } = string.Empty;

        /// <summary>The configuration keys to list, or null for all.</summary>
        public List<string>? ConfigurationKeys { get; set; }

        internal static Resource Read(ref KafkaReader reader, short version) => new()
        {
            ResourceType = reader.ReadInt8(),
            ResourceName = reader.ReadString(),
            ConfigurationKeys = reader.ReadStringArray(nullable: true),
        };
    }
}

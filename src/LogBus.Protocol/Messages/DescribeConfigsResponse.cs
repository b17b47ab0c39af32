using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>DescribeConfigs (key 32) response, versions 0-2.</summary>
public sealed class DescribeConfigsResponse : KafkaResponse
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.DescribeConfigs;

    /// <summary>Throttle time in milliseconds.</summary>
    public int ThrottleTimeMs { get; set; }

    /// <summary>Per-resource results.</summary>
    public List<Result> Results { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.DescribeConfigs, version);
        writer.WriteInt32(ThrottleTimeMs);
        writer.WriteArrayCount(Results.Count);
        foreach (var r in Results)
        {
            writer.WriteInt16((short)r.ErrorCode);
            writer.WriteNullableString(r.ErrorMessage);
            writer.WriteInt8(r.ResourceType);
            writer.WriteString(r.ResourceName);
            writer.WriteArrayCount(r.Configs.Count);
            foreach (var c in r.Configs)
            {
                writer.WriteString(c.Name);
                writer.WriteNullableString(c.Value);
                writer.WriteBoolean(c.ReadOnly);
                if (version == 0)
                {
                    writer.WriteBoolean(c.IsDefault);
                }
                else
                {
                    writer.WriteInt8(c.ConfigSource);
                }
                writer.WriteBoolean(c.IsSensitive);
                if (version >= 1)
                {
                    writer.WriteArrayCount(c.Synonyms.Count);
                    foreach (var s in c.Synonyms)
                    {
                        writer.WriteString(s.Name);
                        writer.WriteNullableString(s.Value);
                        writer.WriteInt8(s.Source);
                    }
                }
            }
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static DescribeConfigsResponse Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.DescribeConfigs, version);
        return new DescribeConfigsResponse
        {
            ThrottleTimeMs = reader.ReadInt32(),
            Results = Arrays.Read(ref reader, version, 11, Result.Read),
        };
    }

    /// <summary>The result for one resource.</summary>
    public sealed class Result
    {
        /// <summary>The error, or <see cref="ErrorCode.None"/>.</summary>
        public ErrorCode ErrorCode { get; set; }

        /// <summary>The error message, or null.</summary>
        public string? ErrorMessage { get; set; }

        /// <summary>The resource type.</summary>
        public sbyte ResourceType { get; set; }

        /// <summary>The resource name.</summary>
        public string ResourceName { get; set; } = string.Empty;

        /// <summary>The configuration entries.</summary>
        public List<Config> Configs { get; set; } = [];

        internal static Result Read(ref KafkaReader reader, short version) => new()
        {
            ErrorCode = (ErrorCode)reader.ReadInt16(),
            ErrorMessage = reader.ReadNullableString(),
            ResourceType = reader.ReadInt8(),
            ResourceName = reader.ReadString(),
            Configs = Arrays.Read(ref reader, version, 7, Config.Read),
        };
    }

    /// <summary>One configuration entry.</summary>
    public sealed class Config
    {
        /// <summary>The configuration name.</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>The value, or null (sensitive or unset).</summary>
        public string? Value { get; set; }

        /// <summary>True if the configuration is read-only.</summary>
        public bool ReadOnly { get; set; }

        /// <summary>True if the configuration is not set (v0 only).</summary>
        public bool IsDefault { get; set; }

        /// <summary>The configuration source (v1+): 1 dynamic topic, 4 static broker, 5 default, ...; -1 unknown.</summary>
        public sbyte ConfigSource { get; set; } = -1;

        /// <summary>True if the value is sensitive.</summary>
        public bool IsSensitive { get; set; }

        /// <summary>Synonyms of this key (v1+).</summary>
        public List<Synonym> Synonyms { get; set; } = [];

        internal static Config Read(ref KafkaReader reader, short version)
        {
            var c = new Config
            {
                Name = reader.ReadString(),
                Value = reader.ReadNullableString(),
                ReadOnly = reader.ReadBoolean(),
            };
            if (version == 0)
            {
                c.IsDefault = reader.ReadBoolean();
            }
            else
            {
                c.ConfigSource = reader.ReadInt8();
            }
            c.IsSensitive = reader.ReadBoolean();
            if (version >= 1)
            {
                c.Synonyms = Arrays.Read(ref reader, version, 5, Synonym.Read);
            }
            return c;
        }
    }

    /// <summary>A synonym of a configuration key.</summary>
    public sealed class Synonym
    {
        /// <summary>The synonym name.</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>The value, or null.</summary>
        public string? Value { get; set; }

        /// <summary>The synonym's source.</summary>
        public sbyte Source { get; set; }

        internal static Synonym Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            Value = reader.ReadNullableString(),
            Source = reader.ReadInt8(),
        };
    }
}

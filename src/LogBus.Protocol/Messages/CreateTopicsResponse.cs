using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>CreateTopics (key 19) response, versions 0-4.</summary>
public sealed class CreateTopicsResponse : KafkaResponse
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.CreateTopics;

    /// <summary>Throttle time in milliseconds (v2+).</summary>
    public int ThrottleTimeMs { get; set; }

    /// <summary>Per-topic results.</summary>
    public List<Result> Topics { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.CreateTopics, version);
        if (version >= 2)
        {
            writer.WriteInt32(ThrottleTimeMs);
        }
        writer.WriteArrayCount(Topics.Count);
        foreach (var t in Topics)
        {
            writer.WriteString(t.Name);
            writer.WriteInt16((short)t.ErrorCode);
            if (version >= 1)
            {
                writer.WriteNullableString(t.ErrorMessage);
            }
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static CreateTopicsResponse Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.CreateTopics, version);
        var r = new CreateTopicsResponse();
        if (version >= 2)
        {
            r.ThrottleTimeMs = reader.ReadInt32();
        }
        r.Topics = Arrays.Read(ref reader, version, 4, Result.Read);
        return r;
    }

    /// <summary>The result for one topic.</summary>
    public sealed class Result
    {
        /// <summary>The topic name.</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>The error, or <see cref="ErrorCode.None"/>.</summary>
        public ErrorCode ErrorCode { get; set; }

        /// <summary>The error message, or null (v1+).</summary>
        public string? ErrorMessage { get; set; }

        internal static Result Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            ErrorCode = (ErrorCode)reader.ReadInt16(),
            ErrorMessage = version >= 1 ? reader.ReadNullableString() : null,
        };
    }
}

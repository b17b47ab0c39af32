using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>DeleteTopics (key 20) response, versions 0-3.</summary>
public sealed class DeleteTopicsResponse : KafkaResponse
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.DeleteTopics;

    /// <summary>Throttle time in milliseconds (v1+).</summary>
    public int ThrottleTimeMs { get; set; }

    /// <summary>Per-topic results.</summary>
    public List<Result> Responses { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.DeleteTopics, version);
        if (version >= 1)
        {
            writer.WriteInt32(ThrottleTimeMs);
        }
        writer.WriteArrayCount(Responses.Count);
        foreach (var r in Responses)
        {
            writer.WriteString(r.Name);
            writer.WriteInt16((short)r.ErrorCode);
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static DeleteTopicsResponse Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.DeleteTopics, version);
        var r = new DeleteTopicsResponse();
        if (version >= 1)
        {
            r.ThrottleTimeMs = reader.ReadInt32();
        }
        r.Responses = Arrays.Read(ref reader, version, 4, Result.Read);
        return r;
    }

    /// <summary>The result for one topic.</summary>
    public sealed class Result
    {
        /// <summary>The topic name.</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>The error, or <see cref="ErrorCode.None"/>.</summary>
        public ErrorCode ErrorCode { get; set; }

        internal static Result Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            ErrorCode = (ErrorCode)reader.ReadInt16(),
        };
    }
}

using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>DeleteGroups (key 42) response, versions 0-1.</summary>
public sealed class DeleteGroupsResponse : KafkaResponse
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.DeleteGroups;

    /// <summary>Throttle time in milliseconds.</summary>
    public int ThrottleTimeMs { get; set; }

    /// <summary>Per-group results.</summary>
    public List<Result> Results { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.DeleteGroups, version);
        writer.WriteInt32(ThrottleTimeMs);
        writer.WriteArrayCount(Results.Count);
        foreach (var r in Results)
        {
            writer.WriteString(r.GroupId);
            writer.WriteInt16((short)r.ErrorCode);
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static DeleteGroupsResponse Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.DeleteGroups, version);
        return new DeleteGroupsResponse
        {
            ThrottleTimeMs = reader.ReadInt32(),
            Results = Arrays.Read(ref reader, version, 4, Result.Read),
        };
    }

    /// <summary>The result for one group.</summary>
    public sealed class Result
    {
        /// <summary>The group id.</summary>
        public string GroupId { get; set; } = string.Empty;

        /// <summary>The error, or <see cref="ErrorCode.None"/>.</summary>
        public ErrorCode ErrorCode { get; set; }

        internal static Result Read(ref KafkaReader reader, short version) => new()
        {
            GroupId = reader.ReadString(),
            ErrorCode = (ErrorCode)reader.ReadInt16(),
        };
    }
}

using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>SyncGroup (key 14) request, versions 0-3.</summary>
public sealed class SyncGroupRequest : KafkaRequest
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.SyncGroup;

    /// <summary>The group id.</summary>
    public string GroupId { get; set; } = string.Empty;

    /// <summary>The generation id.</summary>
    public int GenerationId { get; set; }

    /// <summary>The member id.</summary>
    public string MemberId { get; set; } = string.Empty;

    /// <summary>The static member's instance id, or null (v3+).</summary>
    public string? GroupInstanceId { get; set; }

    /// <summary>The leader's assignments (empty from followers).</summary>
    public List<Assignment> Assignments { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.SyncGroup, version);
        writer.WriteString(GroupId);
        writer.WriteInt32(GenerationId);
        writer.WriteString(MemberId);
        if (version >= 3)
        {
            writer.WriteNullableString(GroupInstanceId);
        }
        writer.WriteArrayCount(Assignments.Count);
        foreach (var a in Assignments)
        {
            writer.WriteString(a.MemberId);
            writer.WriteBytes(a.Data.Span);
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static SyncGroupRequest Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.SyncGroup, version);
        return new SyncGroupRequest
        {
            GroupId = reader.ReadString(),
            GenerationId = reader.ReadInt32(),
            MemberId = reader.ReadString(),
            GroupInstanceId = version >= 3 ? reader.ReadNullableString() : null,
            Assignments = Arrays.Read(ref reader, version, 6, Assignment.Read),
        };
    }

    /// <summary>One member's assignment.</summary>
    public sealed class Assignment
    {
        /// <summary>The member id.</summary>
        public string MemberId { get; set; } = string.Empty;

        /// <summary>The assignment (opaque to the broker).</summary>
        public ReadOnlyMemory<byte> Data { get; set; }

        internal static Assignment Read(ref KafkaReader reader, short version) => new()
        {
            MemberId = reader.ReadString(),
            Data = reader.ReadBytes(),
        };
    }
}

using LogBus.Protocol.Internal;
using LogBus.Protocol.Records;

namespace LogBus.Protocol.Messages;

/// <summary>
/// Fetch (key 1) response, versions 4-11. Each partition's <see cref="Partition.Records"/> is a
/// <see cref="RecordSet"/>: decoded from memory it is a zero-copy slice of the frame (it may end with a
/// partial batch, which readers skip); for encoding, a broker sets external regions and writes into a
/// <see cref="SegmentedBufferWriter"/>, so log bytes are sent from files and never copied.
/// </summary>
public sealed class FetchResponse : KafkaResponse
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.Fetch;

    /// <summary>Throttle time in milliseconds (v1+).</summary>
    public int ThrottleTimeMs { get; set; }

    /// <summary>Top-level error (v7+).</summary>
    public ErrorCode ErrorCode { get; set; }

    /// <summary>The fetch session id, or 0 (v7+).</summary>
    public int SessionId { get; set; }

    /// <summary>Per-topic data.</summary>
    public List<Topic> Responses { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.Fetch, version);
        writer.WriteInt32(ThrottleTimeMs);
        if (version >= 7)
        {
            writer.WriteInt16((short)ErrorCode);
            writer.WriteInt32(SessionId);
        }
        writer.WriteArrayCount(Responses.Count);
        foreach (var t in Responses)
        {
            writer.WriteString(t.Name);
            writer.WriteArrayCount(t.Partitions.Count);
            foreach (var p in t.Partitions)
            {
                writer.WriteInt32(p.Index);
                writer.WriteInt16((short)p.ErrorCode);
                writer.WriteInt64(p.HighWatermark);
                writer.WriteInt64(p.LastStableOffset);
                if (version >= 5)
                {
                    writer.WriteInt64(p.LogStartOffset);
                }
                if (p.AbortedTransactions is null)
                {
                    writer.WriteNullArray();
                }
                else
                {
                    writer.WriteArrayCount(p.AbortedTransactions.Count);
                    foreach (var a in p.AbortedTransactions)
                    {
                        writer.WriteInt64(a.ProducerId);
                        writer.WriteInt64(a.FirstOffset);
                    }
                }
                if (version >= 11)
                {
                    writer.WriteInt32(p.PreferredReadReplica);
                }
                writer.WriteRecords(p.Records);
            }
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static FetchResponse Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.Fetch, version);
        var r = new FetchResponse { ThrottleTimeMs = reader.ReadInt32() };
        if (version >= 7)
        {
            r.ErrorCode = (ErrorCode)reader.ReadInt16();
            r.SessionId = reader.ReadInt32();
        }
        r.Responses = Arrays.Read(ref reader, version, 6, Topic.Read);
        return r;
    }

    /// <summary>Data for one topic.</summary>
    public sealed class Topic
    {
        /// <summary>The topic name.</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>Per-partition data.</summary>
        public List<Partition> Partitions { get; set; } = [];

        internal static Topic Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            Partitions = Arrays.Read(ref reader, version, 30, Partition.Read),
        };
    }

    /// <summary>Data for one partition.</summary>
    public sealed class Partition
    {
        /// <summary>The partition index.</summary>
        public int Index { get; set; }

        /// <summary>The error, or <see cref="ErrorCode.None"/>.</summary>
        public ErrorCode ErrorCode { get; set; }

        /// <summary>The high watermark.</summary>
        public long HighWatermark { get; set; }

        /// <summary>The last stable offset; equals the high watermark when no transaction is open (v4+).</summary>
        public long LastStableOffset { get; set; } = -1;

        /// <summary>The log start offset (v5+).</summary>
        public long LogStartOffset { get; set; } = -1;

        /// <summary>Aborted transactions in the returned range; null or empty when none (v4+).</summary>
        public List<AbortedTransaction>? AbortedTransactions { get; set; }

        /// <summary>The preferred read replica, or -1 (v11+).</summary>
        public int PreferredReadReplica { get; set; } = -1;

        /// <summary>The record batches.</summary>
        public RecordSet Records { get; set; }

        internal static Partition Read(ref KafkaReader reader, short version)
        {
            var p = new Partition
            {
                Index = reader.ReadInt32(),
                ErrorCode = (ErrorCode)reader.ReadInt16(),
                HighWatermark = reader.ReadInt64(),
                LastStableOffset = reader.ReadInt64(),
            };
            if (version >= 5)
            {
                p.LogStartOffset = reader.ReadInt64();
            }
            p.AbortedTransactions = Arrays.ReadNullable(ref reader, version, 16, AbortedTransaction.Read);
            if (version >= 11)
            {
                p.PreferredReadReplica = reader.ReadInt32();
            }
            p.Records = reader.ReadRecords();
            return p;
        }
    }

    /// <summary>An aborted transaction overlapping the fetched range.</summary>
    public sealed class AbortedTransaction
    {
        /// <summary>The producer id of the aborted transaction.</summary>
        public long ProducerId { get; set; }

        /// <summary>The first offset of the aborted transaction.</summary>
        public long FirstOffset { get; set; }

        internal static AbortedTransaction Read(ref KafkaReader reader, short version) => new()
        {
            ProducerId = reader.ReadInt64(),
            FirstOffset = reader.ReadInt64(),
        };
    }
}

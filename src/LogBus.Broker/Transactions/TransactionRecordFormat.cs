using System.Buffers;
using LogBus.Protocol;

namespace LogBus.Broker.Transactions;

/// <summary>
/// Keys and values of <c>__transaction_state</c> (our own format, documented in the Transactions
/// README). Integers big-endian, strings int16 length + UTF-8, as in the Kafka protocol. Decoders refuse
/// unknown key types and value versions.
/// </summary>
internal static class TransactionRecordFormat
{
    /// <summary>The only key type today: a transactional id's state.</summary>
    public const short StateKeyType = 100;

    /// <summary>The value version written today.</summary>
    public const short ValueVersion = 0;

    /// <summary>Key of a transactional id's state.</summary>
    public static byte[] Key(string transactionalId)
    {
        var output = new ArrayBufferWriter<byte>(8 + transactionalId.Length);
        var writer = new KafkaWriter(output);
        writer.WriteInt16(StateKeyType);
        writer.WriteString(transactionalId);
        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a key; false for bytes that are not one of ours.</summary>
    public static bool TryDecodeKey(ReadOnlySpan<byte> bytes, out string transactionalId)
    {
        transactionalId = string.Empty;
        try
        {
            var reader = new KafkaReader(bytes);
            if (reader.ReadInt16() != StateKeyType)
            {
                return false;
            }
            transactionalId = reader.ReadString();
            return reader.End;
        }
        catch (KafkaProtocolException)
        {
            return false;
        }
    }

    /// <summary>Encodes a state value.</summary>
    public static byte[] Encode(TransactionRecord record)
    {
        var output = new ArrayBufferWriter<byte>(64);
        var writer = new KafkaWriter(output);
        writer.WriteInt16(ValueVersion);
        writer.WriteInt64(record.ProducerId);
        writer.WriteInt16(record.ProducerEpoch);
        writer.WriteInt32(record.TimeoutMs);
        writer.WriteInt8((sbyte)record.State);
        writer.WriteInt64(record.StartTimestampMs);
        writer.WriteInt64(record.UpdateTimestampMs);
        writer.WriteArrayCount(record.Partitions.Count);
        foreach (var (topic, partition) in record.Partitions)
        {
            writer.WriteString(topic);
            writer.WriteInt32(partition);
        }
        writer.WriteArrayCount(record.Offsets.Count);
        foreach (var (group, offsets) in record.Offsets)
        {
            writer.WriteString(group);
            writer.WriteArrayCount(offsets.Count);
            foreach (var o in offsets)
            {
                writer.WriteString(o.Topic);
                writer.WriteInt32(o.Partition);
                writer.WriteInt64(o.Offset);
                writer.WriteInt32(o.LeaderEpoch);
                writer.WriteString(o.Metadata);
            }
        }
        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a state value; false when malformed or of an unknown version.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out TransactionRecord? record)
    {
        record = null;
        try
        {
            var reader = new KafkaReader(bytes);
            if (reader.ReadInt16() != ValueVersion)
            {
                return false;
            }
            var producerId = reader.ReadInt64();
            var epoch = reader.ReadInt16();
            var timeout = reader.ReadInt32();
            var state = (TransactionState)reader.ReadInt8();
            if (!Enum.IsDefined(state))
            {
                return false;
            }
            var start = reader.ReadInt64();
            var update = reader.ReadInt64();
            var partitionCount = reader.ReadArrayCount(minElementSize: 6);
            var partitions = new HashSet<(string, int)>(partitionCount);
            for (var i = 0; i < partitionCount; i++)
            {
                partitions.Add((reader.ReadString(), reader.ReadInt32()));
            }
            var groupCount = reader.ReadArrayCount(minElementSize: 6);
            var groups = new Dictionary<string, IReadOnlyList<PendingOffset>>(groupCount, StringComparer.Ordinal);
            for (var g = 0; g < groupCount; g++)
            {
                var group = reader.ReadString();
                var n = reader.ReadArrayCount(minElementSize: 20);
                var offsets = new List<PendingOffset>(n);
                for (var i = 0; i < n; i++)
                {
                    offsets.Add(new PendingOffset(reader.ReadString(), reader.ReadInt32(), reader.ReadInt64(), reader.ReadInt32(), reader.ReadString()));
                }
                groups[group] = offsets;
            }
            record = new TransactionRecord(producerId, epoch, timeout, state, start, update, partitions, groups);
            return reader.End;
        }
        catch (KafkaProtocolException)
        {
            return false;
        }
    }
}

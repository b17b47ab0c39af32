using System.Buffers;
using LogBus.Protocol;

namespace LogBus.Broker.Groups;

/// <summary>
/// Encodes and decodes the keys and values of <c>__consumer_offsets</c> (our own format, documented in
/// the Groups README). Integers are big-endian, strings are int16 length + UTF-8 (-1: null), bytes are
/// int32 length + data, as in the Kafka protocol. Every value starts with an int16 version (0 today);
/// decoders refuse versions they do not know rather than guess.
/// </summary>
internal static class OffsetsRecordFormat
{
    /// <summary>The value version written today.</summary>
    public const short ValueVersion = 0;

    /// <summary>Key of a committed offset.</summary>
    public static byte[] OffsetKey(string group, string topic, int partition)
    {
        var output = new ArrayBufferWriter<byte>(16 + group.Length + topic.Length);
        var writer = new KafkaWriter(output);
        writer.WriteInt16((short)OffsetsKeyType.Offset);
        writer.WriteString(group);
        writer.WriteString(topic);
        writer.WriteInt32(partition);
        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Key of a group's membership record.</summary>
    public static byte[] GroupKey(string group)
    {
        var output = new ArrayBufferWriter<byte>(8 + group.Length);
        var writer = new KafkaWriter(output);
        writer.WriteInt16((short)OffsetsKeyType.Group);
        writer.WriteString(group);
        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Value of a committed offset.</summary>
    public static byte[] EncodeOffset(in CommittedOffset offset)
    {
        var output = new ArrayBufferWriter<byte>(40 + offset.Metadata.Length);
        var writer = new KafkaWriter(output);
        writer.WriteInt16(ValueVersion);
        writer.WriteInt64(offset.Offset);
        writer.WriteInt32(offset.LeaderEpoch);
        writer.WriteString(offset.Metadata);
        writer.WriteInt64(offset.CommitTimestamp);
        writer.WriteInt64(offset.ExpireTimestamp);
        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Value of a group's membership record.</summary>
    public static byte[] EncodeGroup(StoredGroup group)
    {
        var output = new ArrayBufferWriter<byte>(256);
        var writer = new KafkaWriter(output);
        writer.WriteInt16(ValueVersion);
        writer.WriteString(group.ProtocolType);
        writer.WriteInt32(group.GenerationId);
        writer.WriteNullableString(group.ProtocolName);
        writer.WriteNullableString(group.LeaderId);
        writer.WriteInt64(group.StateTimestamp);
        writer.WriteArrayCount(group.Members.Count);
        foreach (var m in group.Members)
        {
            writer.WriteString(m.MemberId);
            writer.WriteNullableString(m.GroupInstanceId);
            writer.WriteString(m.ClientId);
            writer.WriteString(m.ClientHost);
            writer.WriteInt32(m.RebalanceTimeoutMs);
            writer.WriteInt32(m.SessionTimeoutMs);
            writer.WriteBytes(m.Subscription);
            writer.WriteBytes(m.Assignment);
        }
        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a key; false for bytes that are not a key of ours.</summary>
    public static bool TryDecodeKey(ReadOnlySpan<byte> bytes, out OffsetsKey key)
    {
        key = default;
        try
        {
            var reader = new KafkaReader(bytes);
            var type = (OffsetsKeyType)reader.ReadInt16();
            switch (type)
            {
                case OffsetsKeyType.Offset:
                    var group = reader.ReadString();
                    var topic = reader.ReadString();
                    var partition = reader.ReadInt32();
                    key = new OffsetsKey(type, group, topic, partition);
                    return reader.End;
                case OffsetsKeyType.Group:
                    key = new OffsetsKey(type, reader.ReadString(), string.Empty, -1);
                    return reader.End;
                default:
                    return false;
            }
        }
        catch (KafkaProtocolException)
        {
            return false;
        }
    }

    /// <summary>Decodes a committed-offset value; false when malformed or of an unknown version.</summary>
    public static bool TryDecodeOffset(ReadOnlySpan<byte> bytes, out CommittedOffset offset)
    {
        offset = default;
        try
        {
            var reader = new KafkaReader(bytes);
            if (reader.ReadInt16() != ValueVersion)
            {
                return false;
            }
            offset = new CommittedOffset(reader.ReadInt64(), reader.ReadInt32(), reader.ReadString(), reader.ReadInt64(), reader.ReadInt64());
            return reader.End;
        }
        catch (KafkaProtocolException)
        {
            return false;
        }
    }

    /// <summary>Decodes a group value; false when malformed or of an unknown version.</summary>
    public static bool TryDecodeGroup(ReadOnlySpan<byte> bytes, out StoredGroup? group)
    {
        group = null;
        try
        {
            var reader = new KafkaReader(bytes);
            if (reader.ReadInt16() != ValueVersion)
            {
                return false;
            }
            var protocolType = reader.ReadString();
            var generation = reader.ReadInt32();
            var protocol = reader.ReadNullableString();
            var leader = reader.ReadNullableString();
            var timestamp = reader.ReadInt64();
            var count = reader.ReadArrayCount(minElementSize: 24);
            var members = new List<StoredMember>(count);
            for (var i = 0; i < count; i++)
            {
                members.Add(new StoredMember(
                    reader.ReadString(),
                    reader.ReadNullableString(),
                    reader.ReadString(),
                    reader.ReadString(),
                    reader.ReadInt32(),
                    reader.ReadInt32(),
                    reader.ReadBytes().ToArray(),
                    reader.ReadBytes().ToArray()));
            }
            group = new StoredGroup(protocolType, generation, protocol, leader, timestamp, members);
            return reader.End;
        }
        catch (KafkaProtocolException)
        {
            return false;
        }
    }
}

using System.Collections.Immutable;
using System.Text;

namespace LogBus.Broker.Cluster;

/// <summary>
/// Binary encoding of <see cref="MetadataRecord"/>s (metadata log entries) and of whole
/// <see cref="ClusterMetadataImage"/>s (Raft snapshots). Little endian, length-prefixed strings and
/// arrays. Input comes from our own CRC-checked Raft log; a malformed record throws
/// <see cref="InvalidDataException"/>.
/// </summary>
internal static class MetadataCodec
{
    private const byte SnapshotVersion = 1;

    /// <summary>Encodes a record.</summary>
    public static byte[] Encode(MetadataRecord record)
    {
        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream, Encoding.UTF8);
        w.Write((byte)record.Type);
        switch (record.Type)
        {
            case MetadataRecordType.RegisterBroker:
                w.Write(record.BrokerId);
                w.Write(record.Host);
                w.Write(record.Port);
                break;
            case MetadataRecordType.FenceBroker:
                w.Write(record.BrokerId);
                w.Write(record.Fenced);
                break;
            case MetadataRecordType.CreateTopic:
                w.Write(record.Topic);
                w.Write(record.TopicId.ToByteArray());
                w.Write(record.Assignments.Length);
                foreach (var replicas in record.Assignments)
                {
                    WriteInts(w, replicas);
                }

                WriteConfigs(w, record.Configs);
                break;
            case MetadataRecordType.DeleteTopic:
                w.Write(record.Topic);
                break;
            case MetadataRecordType.PartitionChange:
                w.Write(record.Topic);
                w.Write(record.Partition);
                w.Write(record.Leader);
                WriteInts(w, record.Isr);
                w.Write(record.LeaderEpoch);
                w.Write(record.ExpectedPartitionEpoch);
                break;
            default:
                throw new ArgumentException($"Unknown metadata record type {record.Type}.", nameof(record));
        }

        w.Flush();
        return stream.ToArray();
    }

    /// <summary>Decodes a record; an empty entry (a new leader's no-op) gives null.</summary>
    public static MetadataRecord? Decode(byte[] data)
    {
        if (data.Length == 0)
        {
            return null;
        }

        try
        {
            using var r = new BinaryReader(new MemoryStream(data), Encoding.UTF8);
            var type = (MetadataRecordType)r.ReadByte();
            return type switch
            {
                MetadataRecordType.RegisterBroker => new MetadataRecord { Type = type, BrokerId = r.ReadInt32(), Host = r.ReadString(), Port = r.ReadInt32() },
                MetadataRecordType.FenceBroker => new MetadataRecord { Type = type, BrokerId = r.ReadInt32(), Fenced = r.ReadBoolean() },
                MetadataRecordType.CreateTopic => new MetadataRecord
                {
                    Type = type,
                    Topic = r.ReadString(),
                    TopicId = new Guid(r.ReadBytes(16)),
                    Assignments = ReadAssignments(r),
                    Configs = ReadConfigs(r),
                },
                MetadataRecordType.DeleteTopic => new MetadataRecord { Type = type, Topic = r.ReadString() },
                MetadataRecordType.PartitionChange => new MetadataRecord
                {
                    Type = type,
                    Topic = r.ReadString(),
                    Partition = r.ReadInt32(),
                    Leader = r.ReadInt32(),
                    Isr = ReadInts(r),
                    LeaderEpoch = r.ReadInt32(),
                    ExpectedPartitionEpoch = r.ReadInt32(),
                },
                _ => throw new InvalidDataException($"Unknown metadata record type {(byte)type}."),
            };
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException or FormatException or OverflowException)
        {
            throw new InvalidDataException("Truncated metadata record.", e);
        }
    }

    /// <summary>Encodes a whole image (a Raft snapshot's data).</summary>
    public static byte[] EncodeImage(ClusterMetadataImage image)
    {
        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream, Encoding.UTF8);
        w.Write(SnapshotVersion);
        w.Write(image.Offset);
        w.Write(image.Brokers.Count);
        foreach (var broker in image.Brokers.Values)
        {
            w.Write(broker.Id);
            w.Write(broker.Host);
            w.Write(broker.Port);
            w.Write(broker.Fenced);
        }

        w.Write(image.Topics.Count);
        foreach (var topic in image.Topics.Values)
        {
            w.Write(topic.Name);
            w.Write(topic.Id.ToByteArray());
            WriteConfigs(w, topic.Configs);
            w.Write(topic.Partitions.Length);
            foreach (var p in topic.Partitions)
            {
                WriteInts(w, p.Replicas);
                WriteInts(w, p.Isr);
                w.Write(p.Leader);
                w.Write(p.LeaderEpoch);
                w.Write(p.PartitionEpoch);
            }
        }

        w.Flush();
        return stream.ToArray();
    }

    /// <summary>Decodes an image written by <see cref="EncodeImage"/>.</summary>
    public static ClusterMetadataImage DecodeImage(byte[] data)
    {
        try
        {
            using var r = new BinaryReader(new MemoryStream(data), Encoding.UTF8);
            if (r.ReadByte() != SnapshotVersion)
            {
                throw new InvalidDataException("Unknown metadata snapshot version.");
            }

            var offset = r.ReadInt64();
            var brokers = ImmutableSortedDictionary.CreateBuilder<int, BrokerInfo>();
            var brokerCount = r.ReadInt32();
            for (var i = 0; i < brokerCount; i++)
            {
                var broker = new BrokerInfo(r.ReadInt32(), r.ReadString(), r.ReadInt32(), r.ReadBoolean());
                brokers[broker.Id] = broker;
            }

            var topics = ImmutableSortedDictionary.CreateBuilder<string, TopicInfo>(StringComparer.Ordinal);
            var topicCount = r.ReadInt32();
            for (var i = 0; i < topicCount; i++)
            {
                var name = r.ReadString();
                var id = new Guid(r.ReadBytes(16));
                var configs = ReadConfigs(r);
                var partitionCount = CheckedCount(r.ReadInt32(), r);
                var partitions = ImmutableArray.CreateBuilder<PartitionInfo>(partitionCount);
                for (var p = 0; p < partitionCount; p++)
                {
                    partitions.Add(new PartitionInfo(ReadInts(r), ReadInts(r), r.ReadInt32(), r.ReadInt32(), r.ReadInt32()));
                }

                topics[name] = new TopicInfo(name, id, partitions.MoveToImmutable(), configs);
            }

            return new ClusterMetadataImage { Offset = offset, Brokers = brokers.ToImmutable(), Topics = topics.ToImmutable() };
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException or FormatException or OverflowException)
        {
            throw new InvalidDataException("Truncated metadata snapshot.", e);
        }
    }

    private static int CheckedCount(int count, BinaryReader r)
    {
        // Every element takes at least one byte: a count beyond the remaining bytes is corruption,
        // refused before allocating for it.
        if (count < 0 || count > r.BaseStream.Length - r.BaseStream.Position)
        {
            throw new InvalidDataException($"Bad element count {count} in metadata.");
        }

        return count;
    }

    private static void WriteInts(BinaryWriter w, ImmutableArray<int> values)
    {
        w.Write(values.Length);
        foreach (var v in values)
        {
            w.Write(v);
        }
    }

    private static ImmutableArray<int> ReadInts(BinaryReader r)
    {
        var count = CheckedCount(r.ReadInt32(), r);
        var builder = ImmutableArray.CreateBuilder<int>(count);
        for (var i = 0; i < count; i++)
        {
            builder.Add(r.ReadInt32());
        }

        return builder.MoveToImmutable();
    }

    private static ImmutableArray<ImmutableArray<int>> ReadAssignments(BinaryReader r)
    {
        var count = CheckedCount(r.ReadInt32(), r);
        var builder = ImmutableArray.CreateBuilder<ImmutableArray<int>>(count);
        for (var i = 0; i < count; i++)
        {
            builder.Add(ReadInts(r));
        }

        return builder.MoveToImmutable();
    }

    private static void WriteConfigs(BinaryWriter w, ImmutableDictionary<string, string> configs)
    {
        w.Write(configs.Count);
        foreach (var (key, value) in configs.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            w.Write(key);
            w.Write(value);
        }
    }

    private static ImmutableDictionary<string, string> ReadConfigs(BinaryReader r)
    {
        var count = CheckedCount(r.ReadInt32(), r);
        var builder = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            builder[r.ReadString()] = r.ReadString();
        }

        return builder.ToImmutable();
    }
}

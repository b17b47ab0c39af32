using LogBus.Protocol.Messages;

namespace LogBus.Protocol.Internal;

/// <summary>Reads and writes arrays of <see cref="TopicPartitionErrors"/>.</summary>
internal static class PartitionErrors
{
    public static void Write(ref KafkaWriter writer, List<TopicPartitionErrors> topics)
    {
        writer.WriteArrayCount(topics.Count);
        foreach (var t in topics)
        {
            writer.WriteString(t.Name);
            writer.WriteArrayCount(t.Partitions.Count);
            foreach (var p in t.Partitions)
            {
                writer.WriteInt32(p.PartitionIndex);
                writer.WriteInt16((short)p.ErrorCode);
            }
        }
    }

    public static List<TopicPartitionErrors> Read(ref KafkaReader reader, short version) =>
        Arrays.Read(ref reader, version, 6, ReadTopic);

    private static TopicPartitionErrors ReadTopic(ref KafkaReader reader, short version) => new()
    {
        Name = reader.ReadString(),
        Partitions = Arrays.Read(ref reader, version, 6, ReadPartition),
    };

    private static PartitionError ReadPartition(ref KafkaReader reader, short version) => new()
    {
        PartitionIndex = reader.ReadInt32(),
        ErrorCode = (ErrorCode)reader.ReadInt16(),
    };
}

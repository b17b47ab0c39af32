using System.Buffers;
using LogBus.Protocol;

namespace LogBus.Broker.Tests.Groups;

/// <summary>Encodes consumer-protocol subscriptions and assignments as Kafka clients do (version 0/1).</summary>
internal static class ConsumerProtocolBytes
{
    public static byte[] Subscription(params string[] topics)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new KafkaWriter(output);
        writer.WriteInt16(1);
        writer.WriteStringArray([.. topics]);
        writer.WriteNullableBytes(null);
        writer.WriteArrayCount(0); // owned partitions (v1)
        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    public static byte[] Assignment(params (string Topic, int[] Partitions)[] topics)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new KafkaWriter(output);
        writer.WriteInt16(0);
        writer.WriteArrayCount(topics.Length);
        foreach (var (topic, partitions) in topics)
        {
            writer.WriteString(topic);
            writer.WriteInt32Array([.. partitions]);
        }
        writer.WriteNullableBytes(null);
        writer.Flush();
        return output.WrittenSpan.ToArray();
    }
}

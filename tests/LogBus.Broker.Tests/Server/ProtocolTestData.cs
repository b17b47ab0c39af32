using System.Buffers.Binary;
using System.Text;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using LogBus.Protocol.Records;

namespace LogBus.Broker.Tests.Server;

/// <summary>Requests and batches for server tests.</summary>
internal static class ProtocolTestData
{
    /// <summary>A batch of <paramref name="count"/> records "key-i"/"value-i" (i from <paramref name="first"/>).</summary>
    public static byte[] Batch(int count, int first = 0, long producerId = -1, short epoch = -1, int baseSequence = -1, long timestamp = 1_700_000_000_000, CompressionCodec codec = CompressionCodec.None)
    {
        using var builder = new RecordBatchBuilder();
        builder.Reset(codec, producerId, epoch, baseSequence);
        for (var i = 0; i < count; i++)
        {
            Assert.True(builder.TryAppend(timestamp + i, Encoding.UTF8.GetBytes($"key-{first + i}"), Encoding.UTF8.GetBytes($"value-{first + i}")));
        }
        return builder.Build().ToArray();
    }

    public static ProduceRequest Produce(string topic, int partition, byte[] records, short acks = -1) => new()
    {
        Acks = acks,
        TimeoutMs = 10_000,
        Topics = [new ProduceRequest.Topic { Name = topic, Partitions = [new ProduceRequest.Partition { Index = partition, Records = RecordSet.FromMemory(records) }] }],
    };

    public static FetchRequest Fetch(string topic, int partition, long offset, int maxWaitMs = 0, int minBytes = 1, int partitionMaxBytes = 1 << 20, sbyte isolation = 1) => new()
    {
        MaxWaitMs = maxWaitMs,
        MinBytes = minBytes,
        MaxBytes = 50 << 20,
        IsolationLevel = isolation,
        Topics = [new FetchRequest.Topic { Name = topic, Partitions = [new FetchRequest.Partition { Index = partition, FetchOffset = offset, PartitionMaxBytes = partitionMaxBytes }] }],
    };

    public static CreateTopicsRequest CreateTopic(string name, int partitions = 1, params (string Name, string Value)[] configs) => new()
    {
        TimeoutMs = 10_000,
        Topics = [new CreateTopicsRequest.Topic
        {
            Name = name,
            NumPartitions = partitions,
            ReplicationFactor = 1,
            Configs = configs.Select(c => new CreateTopicsRequest.Config { Name = c.Name, Value = c.Value }).ToList(),
        }],
    };

    /// <summary>A request frame with any API key and version and a raw body (for versions the codec cannot write).</summary>
    public static byte[] RawRequest(short apiKey, short version, int correlationId, ReadOnlySpan<byte> body, string clientId = "raw")
    {
        var headerVersion = ApiVersionTable.RequestHeaderVersion((ApiKey)apiKey, version);
        var client = Encoding.UTF8.GetBytes(clientId);
        var size = 2 + 2 + 4 + 2 + client.Length + (headerVersion >= 2 ? 1 : 0) + body.Length;
        var frame = new byte[4 + size];
        var s = frame.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(s, size);
        BinaryPrimitives.WriteInt16BigEndian(s[4..], apiKey);
        BinaryPrimitives.WriteInt16BigEndian(s[6..], version);
        BinaryPrimitives.WriteInt32BigEndian(s[8..], correlationId);
        BinaryPrimitives.WriteInt16BigEndian(s[12..], (short)client.Length);
        client.CopyTo(s[14..]);
        var p = 14 + client.Length;
        if (headerVersion >= 2)
        {
            s[p++] = 0; // no tagged fields
        }
        body.CopyTo(s[p..]);
        return frame;
    }

    /// <summary>The (key, value) strings of every record in a fetched record set, with offsets.</summary>
    public static List<(long Offset, string Key, string Value)> Records(RecordSet set)
    {
        var result = new List<(long, string, string)>();
        foreach (var batch in new RecordBatchReader(set.Memory))
        {
            foreach (var record in batch.GetRecords())
            {
                result.Add((record.Offset, Encoding.UTF8.GetString(record.Key), Encoding.UTF8.GetString(record.Value)));
            }
        }
        return result;
    }
}

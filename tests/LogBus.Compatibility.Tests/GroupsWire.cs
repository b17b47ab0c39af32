using System.Net.Sockets;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Compatibility.Tests;

/// <summary>
/// A minimal Kafka client made of our codec, for what the third-party clients here cannot show
/// directly: committed offsets (OffsetFetch), group descriptions (DescribeGroups, ListGroups) and end
/// offsets (ListOffsets). One request at a time on one connection.
/// </summary>
internal sealed class GroupsWire : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private int _correlationId;

    private GroupsWire(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<GroupsWire> ConnectAsync(BrokerProcess broker)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", broker.Port).WaitAsync(Timeout);
        return new GroupsWire(client);
    }

    public async Task<TResponse> SendAsync<TResponse>(KafkaRequest request, short version)
        where TResponse : KafkaResponse
    {
        var header = new RequestHeader { ApiKey = request.ApiKey, ApiVersion = version, CorrelationId = ++_correlationId, ClientId = "groups-wire" };
        var output = new PooledBufferWriter();
        FrameWriter.WriteRequest(output, header, request);
        await _stream.WriteAsync(output.WrittenMemory).AsTask().WaitAsync(Timeout);
        output.Dispose();
        var sizeBytes = new byte[4];
        await _stream.ReadExactlyAsync(sizeBytes).AsTask().WaitAsync(Timeout);
        var size = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(sizeBytes);
        Assert.InRange(size, 4, 64 << 20);
        var body = new byte[size];
        await _stream.ReadExactlyAsync(body).AsTask().WaitAsync(Timeout);
        var reader = new KafkaReader(body.AsMemory());
        var responseHeader = ResponseHeader.Read(ref reader, ApiVersionTable.ResponseHeaderVersion(request.ApiKey, version));
        Assert.Equal(header.CorrelationId, responseHeader.CorrelationId);
        return (TResponse)KafkaResponse.Read(request.ApiKey, version, ref reader);
    }

    /// <summary>Committed offsets of <paramref name="group"/> for every partition it committed (OffsetFetch v5, null topics).</summary>
    public async Task<Dictionary<(string Topic, int Partition), long>> CommittedAsync(string group)
    {
        var response = await SendAsync<OffsetFetchResponse>(new OffsetFetchRequest { GroupId = group, Topics = null }, 5);
        Assert.Equal(ErrorCode.None, response.ErrorCode);
        return response.Topics.SelectMany(t => t.Partitions.Select(p => ((t.Name, p.PartitionIndex), p.CommittedOffset))).ToDictionary(x => x.Item1, x => x.CommittedOffset);
    }

    /// <summary>Log end offsets (ListOffsets v1, latest) of partitions 0..n-1 of <paramref name="topic"/>.</summary>
    public async Task<Dictionary<(string Topic, int Partition), long>> EndOffsetsAsync(string topic, int partitions)
    {
        var request = new ListOffsetsRequest
        {
            ReplicaId = -1,
            Topics = [new() { Name = topic, Partitions = Enumerable.Range(0, partitions).Select(p => new ListOffsetsRequest.Partition { PartitionIndex = p, Timestamp = -1 }).ToList() }],
        };
        var response = await SendAsync<ListOffsetsResponse>(request, 1);
        return response.Topics.Single().Partitions.ToDictionary(p => (topic, p.PartitionIndex), p => p.Offset);
    }

    /// <summary>Creates a topic (CreateTopics v2); consumers do not auto-create the topics they subscribe to.</summary>
    public async Task CreateTopicAsync(string topic, int partitions)
    {
        var response = await SendAsync<CreateTopicsResponse>(new CreateTopicsRequest
        {
            Topics = [new() { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }],
            TimeoutMs = 10_000,
        }, 2);
        Assert.Equal(ErrorCode.None, response.Topics.Single().ErrorCode);
    }

    public async Task<DescribeGroupsResponse.Group> DescribeAsync(string group) =>
        (await SendAsync<DescribeGroupsResponse>(new DescribeGroupsRequest { Groups = [group] }, 4)).Groups.Single();

    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
    }
}

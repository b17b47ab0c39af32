using System.Text;
using LogBus.Broker.Tests.Server;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using LogBus.Protocol.Records;

namespace LogBus.Broker.Tests.Transactions;

/// <summary>A transactional producer spelled out in raw requests (what librdkafka does, step by step).</summary>
internal sealed class TxnClient
{
    private readonly Dictionary<(string, int), int> _sequences = new();

    public TxnClient(RawKafkaClient client, string transactionalId)
    {
        Client = client;
        TransactionalId = transactionalId;
    }

    public RawKafkaClient Client { get; }

    public string TransactionalId { get; }

    public long ProducerId { get; set; } = -1;

    public short Epoch { get; set; } = -1;

    public async Task<InitProducerIdResponse> InitAsync(int timeoutMs = 60_000)
    {
        var response = await Client.SendAsync<InitProducerIdResponse>(new InitProducerIdRequest { TransactionalId = TransactionalId, TransactionTimeoutMs = timeoutMs }, 1);
        if (response.ErrorCode == ErrorCode.None)
        {
            ProducerId = response.ProducerId;
            Epoch = response.ProducerEpoch;
            _sequences.Clear();
        }
        return response;
    }

    public async Task<ErrorCode> AddPartitionsAsync(string topic, params int[] partitions)
    {
        var response = await Client.SendAsync<AddPartitionsToTxnResponse>(new AddPartitionsToTxnRequest
        {
            TransactionalId = TransactionalId,
            ProducerId = ProducerId,
            ProducerEpoch = Epoch,
            Topics = [new AddPartitionsToTxnRequest.Topic { Name = topic, Partitions = [.. partitions] }],
        }, 1);
        var errors = response.Results.SelectMany(r => r.Partitions).Select(p => p.ErrorCode).Distinct().ToList();
        return Assert.Single(errors);
    }

    public static byte[] Batch(long producerId, short epoch, int sequence, params string[] values)
    {
        using var builder = new RecordBatchBuilder();
        builder.Reset(producerId: producerId, producerEpoch: epoch, baseSequence: sequence, isTransactional: true);
        foreach (var v in values)
        {
            Assert.True(builder.TryAppend(1_700_000_000_000, Encoding.UTF8.GetBytes("k"), Encoding.UTF8.GetBytes(v)));
        }
        return builder.Build().ToArray();
    }

    public async Task<(ErrorCode Error, long BaseOffset)> ProduceAsync(string topic, int partition, params string[] values)
    {
        _sequences.TryGetValue((topic, partition), out var sequence);
        var request = ProtocolTestData.Produce(topic, partition, Batch(ProducerId, Epoch, sequence, values));
        request.TransactionalId = TransactionalId;
        var response = await Client.SendAsync<ProduceResponse>(request, 7);
        var p = response.Responses[0].Partitions[0];
        if (p.ErrorCode == ErrorCode.None)
        {
            _sequences[(topic, partition)] = sequence + values.Length;
        }
        return (p.ErrorCode, p.BaseOffset);
    }

    public async Task<ErrorCode> AddOffsetsAsync(string group) =>
        (await Client.SendAsync<AddOffsetsToTxnResponse>(new AddOffsetsToTxnRequest { TransactionalId = TransactionalId, ProducerId = ProducerId, ProducerEpoch = Epoch, GroupId = group }, 1)).ErrorCode;

    public async Task<ErrorCode> TxnOffsetCommitAsync(string group, string topic, int partition, long offset)
    {
        var response = await Client.SendAsync<TxnOffsetCommitResponse>(new TxnOffsetCommitRequest
        {
            TransactionalId = TransactionalId,
            GroupId = group,
            ProducerId = ProducerId,
            ProducerEpoch = Epoch,
            Topics = [new TxnOffsetCommitRequest.Topic { Name = topic, Partitions = [new TxnOffsetCommitRequest.Partition { PartitionIndex = partition, CommittedOffset = offset, CommittedMetadata = "m" }] }],
        }, 2);
        return response.Topics[0].Partitions[0].ErrorCode;
    }

    public async Task<ErrorCode> EndAsync(bool commit) =>
        (await Client.SendAsync<EndTxnResponse>(new EndTxnRequest { TransactionalId = TransactionalId, ProducerId = ProducerId, ProducerEpoch = Epoch, Committed = commit }, 1)).ErrorCode;

    /// <summary>A fetch of one partition: its response partition.</summary>
    public static async Task<FetchResponse.Partition> FetchAsync(RawKafkaClient client, string topic, int partition, long offset, bool readCommitted)
    {
        var response = await client.SendAsync<FetchResponse>(ProtocolTestData.Fetch(topic, partition, offset, isolation: (sbyte)(readCommitted ? 1 : 0)), 11);
        var p = response.Responses[0].Partitions[0];
        Assert.Equal(ErrorCode.None, p.ErrorCode);
        return p;
    }

    /// <summary>What a read_committed client keeps: data records minus aborted transactions' records, without control batches.</summary>
    public static List<string> Committed(FetchResponse.Partition partition)
    {
        var aborted = (partition.AbortedTransactions ?? []).ToList();
        var abortedProducers = new HashSet<long>();
        var values = new List<string>();
        foreach (var batch in new RecordBatchReader(partition.Records.Memory))
        {
            var h = batch.Header;
            foreach (var a in aborted.Where(a => a.FirstOffset <= h.BaseOffset && a.ProducerId == h.ProducerId).ToList())
            {
                abortedProducers.Add(a.ProducerId);
                aborted.Remove(a);
            }
            if (h.IsControl)
            {
                abortedProducers.Remove(h.ProducerId);
                continue;
            }
            if (h.IsTransactional && abortedProducers.Contains(h.ProducerId))
            {
                continue;
            }
            foreach (var record in batch.GetRecords())
            {
                values.Add(Encoding.UTF8.GetString(record.Value));
            }
        }
        return values;
    }

    public static async Task<long> ListOffsetAsync(RawKafkaClient client, string topic, int partition, bool readCommitted)
    {
        var response = await client.SendAsync<ListOffsetsResponse>(new ListOffsetsRequest
        {
            IsolationLevel = (sbyte)(readCommitted ? 1 : 0),
            Topics = [new ListOffsetsRequest.Topic { Name = topic, Partitions = [new ListOffsetsRequest.Partition { PartitionIndex = partition, Timestamp = -1 }] }],
        }, 5);
        return response.Topics[0].Partitions[0].Offset;
    }

    public static async Task<long> CommittedOffsetAsync(RawKafkaClient client, string group, string topic, int partition)
    {
        var response = await client.SendAsync<OffsetFetchResponse>(new OffsetFetchRequest { GroupId = group, Topics = [new OffsetFetchRequest.Topic { Name = topic, PartitionIndexes = [partition] }] }, 5);
        return response.Topics[0].Partitions[0].CommittedOffset;
    }
}

using LogBus.Broker.Replication;
using LogBus.Broker.Storage;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using LogBus.Protocol.Records;

namespace LogBus.Broker.Server.Handlers;

/// <summary>
/// Fetch (1): reads each requested partition from its fetch offset up to the high watermark and
/// answers with leased file regions that the connection sends with sendfile (no copy). Long poll: when
/// fewer than MinBytes are available, waits until any requested partition changes or MaxWait passes.
/// </summary>
/// <remarks>
/// <para>Limits: each partition gets at most its PartitionMaxBytes and the response at most MaxBytes,
/// except that the first partition with data always returns at least its first whole batch (progress
/// with large batches, as Kafka). A fetch offset inside a batch returns that whole batch; clients skip
/// the records before their offset.</para>
/// <para>Transactions: LastStableOffset is the first offset of the partition's oldest open transaction
/// (the high watermark when none is open). read_committed fetches read below it only and get the
/// aborted transactions overlapping the fetched range (clients drop those producers' records there);
/// read_uncommitted fetches read to the high watermark with AbortedTransactions null, as Kafka.</para>
/// <para>Cluster mode: only the partition leader answers (NOT_LEADER_OR_FOLLOWER elsewhere; the
/// client's CurrentLeaderEpoch is checked, FENCED/UNKNOWN_LEADER_EPOCH); followers fetch with their
/// replica id and read up to the log end, which reports their position to the leader.</para>
/// <para>Fetch sessions (v7+) are not kept: the response's session id is 0, so clients keep sending
/// full fetch requests.</para>
/// </remarks>
internal sealed class FetchHandler : RequestHandler<FetchRequest>
{
    public override ApiKey ApiKey => ApiKey.Fetch;

    protected override ValueTask<KafkaResponse?> HandleAsync(RequestContext context, FetchRequest request)
    {
        var leases = new List<LogReadResult>();
        var (response, bytes, error) = ReadAll(context, request, leases);
        if (error || bytes >= Math.Max(1, request.MinBytes) || request.MaxWaitMs <= 0 || context.CancellationToken.IsCancellationRequested)
        {
            return Done(Complete(context, response, leases));
        }
        return LongPollAsync(context, request, response, leases);
    }

    private static KafkaResponse Complete(RequestContext context, FetchResponse response, List<LogReadResult> leases)
    {
        foreach (var lease in leases)
        {
            context.RegisterForDispose(lease);
        }
        return response;
    }

    private static async ValueTask<KafkaResponse?> LongPollAsync(RequestContext context, FetchRequest request, FetchResponse response, List<LogReadResult> leases)
    {
        var deadline = context.Services.Time.GetTimestamp() + (long)(request.MaxWaitMs * (context.Services.Time.TimestampFrequency / 1000.0));
        var logs = context.Services.Logs;
        while (true)
        {
            // Take the change signals before re-reading, so no change in between is missed (the read
            // in HandleAsync came before any signal was taken, so the first round re-reads too).
            var signals = new List<Task>();
            foreach (var topic in request.Topics)
            {
                foreach (var partition in topic.Partitions)
                {
                    if (logs.GetLog(topic.Name, partition.Index) is { } log)
                    {
                        signals.Add(log.WhenChanged());
                    }
                }
            }
            foreach (var lease in leases)
            {
                lease.Dispose();
            }
            leases.Clear();
            var (next, bytes, error) = ReadAll(context, request, leases);
            response = next;
            if (error || bytes >= Math.Max(1, request.MinBytes))
            {
                return Complete(context, response, leases);
            }
            var remaining = context.Services.Time.GetElapsedTime(context.Services.Time.GetTimestamp(), deadline);
            if (remaining <= TimeSpan.Zero || signals.Count == 0)
            {
                return Complete(context, response, leases);
            }
            try
            {
                await Task.WhenAny(signals).WaitAsync(remaining, context.Services.Time, context.CancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return Complete(context, response, leases);
            }
            catch (OperationCanceledException)
            {
                return Complete(context, response, leases); // connection closing or broker stopping
            }
        }
    }

    private static void AddAborted(Producers.PartitionProducerState state, long from, long to, FetchResponse.Partition result)
    {
        var aborted = new List<Producers.AbortedTxn>();
        lock (state.Lock)
        {
            state.CollectAborted(from, to, aborted);
        }
        // Ordered by first offset: kafkajs only ever looks at the head of the list.
        aborted.Sort(static (x, y) => x.FirstOffset.CompareTo(y.FirstOffset));
        foreach (var a in aborted)
        {
            result.AbortedTransactions!.Add(new FetchResponse.AbortedTransaction { ProducerId = a.ProducerId, FirstOffset = a.FirstOffset });
        }
    }

    private static (FetchResponse Response, long Bytes, bool Error) ReadAll(RequestContext context, FetchRequest request, List<LogReadResult> leases)
    {
        var logs = context.Services.Logs;
        var readCommitted = request.IsolationLevel == 1;
        var response = new FetchResponse();
        long total = 0;
        var error = false;
        var maxBytes = request.MaxBytes <= 0 ? int.MaxValue : request.MaxBytes;
        foreach (var topic in request.Topics)
        {
            var topicResult = new FetchResponse.Topic { Name = topic.Name };
            response.Responses.Add(topicResult);
            foreach (var partition in topic.Partitions)
            {
                var result = new FetchResponse.Partition
                {
                    Index = partition.Index,
                    HighWatermark = -1,
                    LastStableOffset = -1,
                    LogStartOffset = -1,
                    AbortedTransactions = readCommitted ? [] : null,
                    Records = RecordSet.Empty,
                };
                topicResult.Partitions.Add(result);
                // Cluster mode: only the leader serves fetches. A follower's fetch (replica id ≥ 0)
                // reports its log end (the fetch offset), which moves the high watermark, and reads
                // beyond the high watermark up to the log end.
                var leadership = LeaderCheck.Check(context.Services, topic.Name, partition.Index, partition.CurrentLeaderEpoch, out var replica);
                if (leadership != ErrorCode.None)
                {
                    result.ErrorCode = leadership;
                    error = true;
                    continue;
                }
                var follower = replica is not null && request.ReplicaId >= 0;
                if (follower)
                {
                    context.Services.Replicas!.OnFollowerFetch(replica!, request.ReplicaId, partition.FetchOffset);
                }
                var log = replica?.Log ?? logs.GetLog(topic.Name, partition.Index);
                if (log is null)
                {
                    result.ErrorCode = ErrorCode.UnknownTopicOrPartition;
                    error = true;
                    continue;
                }
                LogReadResult read;
                Producers.PartitionProducerState? state = null;
                long stable;
                try
                {
                    var highWatermark = log.HighWatermark;
                    if (readCommitted)
                    {
                        state = context.Services.Producers.Get(log);
                        stable = state.LastStableOffset(highWatermark);
                    }
                    else
                    {
                        stable = highWatermark;
                    }
                    var budget = (int)Math.Min(Math.Max(0, partition.PartitionMaxBytes), Math.Max(0, maxBytes - total));
                    read = log.Read(partition.FetchOffset, budget, follower ? long.MaxValue : stable, minOneBatch: total == 0);
                }
                catch (ObjectDisposedException)
                {
                    result.ErrorCode = ErrorCode.NotLeaderOrFollower;
                    error = true;
                    continue;
                }
                catch (StorageException)
                {
                    result.ErrorCode = ErrorCode.KafkaStorageError;
                    error = true;
                    continue;
                }
                result.HighWatermark = Math.Max(read.HighWatermark, stable);
                result.LastStableOffset = stable;
                result.LogStartOffset = read.LogStartOffset;
                if (read.OffsetOutOfRange)
                {
                    read.Dispose();
                    result.ErrorCode = ErrorCode.OffsetOutOfRange;
                    error = true;
                    continue;
                }
                if (read.Length == 0)
                {
                    read.Dispose();
                    continue;
                }
                leases.Add(read);
                result.Records = RecordSet.FromExternal(read, read.Length);
                if (state is not null && state.AbortedTransactions.Count > 0)
                {
                    AddAborted(state, partition.FetchOffset, stable, result);
                }
                total += read.Length;
            }
        }
        return (response, total, error);
    }
}

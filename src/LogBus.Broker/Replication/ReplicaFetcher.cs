using System.Runtime.InteropServices;
using LogBus.Broker.Producers;
using LogBus.Broker.Storage;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Replication;

/// <summary>
/// Follows one partition's leader in one leader epoch: first truncates the local log by leader epoch
/// (OffsetForLeaderEpoch: never by high watermark alone), then fetches with this broker's replica id
/// from its log end, appends as follower (offsets and epochs preserved) and takes the leader's high
/// watermark (capped at its own log end). Ends when cancelled (the manager replaces it when the
/// leader or epoch changes); connection failures are retried with a short backoff.
/// </summary>
internal sealed class ReplicaFetcher : IAsyncDisposable
{
    private const short FetchVersion = 11;
    private const short EpochVersion = 3;
    private readonly PartitionLog _log;
    private readonly ProducerStateManager _producers;
    private readonly Func<int, (string Host, int Port)?> _endpoint;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ReplicaFetcher(int nodeId, PartitionLog log, int leader, int leaderEpoch, ProducerStateManager producers, Func<int, (string Host, int Port)?> endpoint, int maxBytes, ILogger logger)
    {
        NodeId = nodeId;
        _log = log;
        Leader = leader;
        LeaderEpoch = leaderEpoch;
        _producers = producers;
        _endpoint = endpoint;
        MaxBytes = maxBytes;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>This broker.</summary>
    public int NodeId { get; }

    /// <summary>The leader followed.</summary>
    public int Leader { get; }

    /// <summary>The leader epoch followed.</summary>
    public int LeaderEpoch { get; }

    /// <summary>Bytes per fetch.</summary>
    public int MaxBytes { get; }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        var truncated = false;
        while (!token.IsCancellationRequested)
        {
            try
            {
                if (_endpoint(Leader) is not { } endpoint)
                {
                    await Task.Delay(100, token).ConfigureAwait(false);
                    continue;
                }

                await using var client = await ReplicaClient.ConnectAsync(endpoint.Host, endpoint.Port, NodeId, token).ConfigureAwait(false);
                if (!truncated)
                {
                    truncated = await TruncateByEpochAsync(client, token).ConfigureAwait(false);
                    if (!truncated)
                    {
                        await Task.Delay(100, token).ConfigureAwait(false);
                        continue;
                    }
                }

                while (!token.IsCancellationRequested)
                {
                    if (!await FetchOnceAsync(client, token).ConfigureAwait(false))
                    {
                        await Task.Delay(100, token).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or KafkaProtocolException or ObjectDisposedException or OperationCanceledException)
            {
                if (_log.IsClosed)
                {
                    return;
                }

                _logger.LogDebug("Replica fetcher {Topic}-{Partition} from {Leader}: {Reason}", _log.Topic, _log.Partition, Leader, e.Message);
                try
                {
                    await Task.Delay(100, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (StorageException e)
            {
                _logger.LogError(e, "Replica fetcher {Topic}-{Partition}: storage failure; stopping", _log.Topic, _log.Partition);
                return;
            }
        }
    }

    /// <summary>Truncates the local log to where it diverges from the leader's; false when the leader cannot answer yet.</summary>
    private async Task<bool> TruncateByEpochAsync(ReplicaClient client, CancellationToken token)
    {
        var latest = _log.LatestEpoch;
        if (latest < 0 || _log.LogEndOffset == _log.LogStartOffset)
        {
            return true; // nothing of ours to compare
        }

        var request = new OffsetForLeaderEpochRequest
        {
            ReplicaId = NodeId,
            Topics =
            [
                new OffsetForLeaderEpochRequest.Topic
                {
                    Name = _log.Topic,
                    Partitions = [new OffsetForLeaderEpochRequest.Partition { PartitionIndex = _log.Partition, CurrentLeaderEpoch = LeaderEpoch, LeaderEpoch = latest }],
                },
            ],
        };
        var response = await client.SendAsync<OffsetForLeaderEpochResponse>(request, EpochVersion, token).ConfigureAwait(false);
        var answer = response.Topics.SelectMany(t => t.Partitions).FirstOrDefault();
        if (answer is null || answer.ErrorCode != ErrorCode.None || answer.EndOffset < 0)
        {
            return false;
        }

        // The leader's end of the largest epoch ≤ ours; when it does not know our epoch, also cap at
        // where our copy of its epoch ends (Kafka's rule), so the logs match up to the truncation point.
        var target = answer.EndOffset;
        if (answer.LeaderEpoch != latest)
        {
            var ours = _log.EndOffsetForEpoch(answer.LeaderEpoch);
            target = Math.Min(target, ours.EndOffset < 0 ? _log.LogStartOffset : ours.EndOffset);
        }

        if (target < _log.LogEndOffset)
        {
            var before = _log.LogEndOffset;
            var end = _log.TruncateTo(target);
            _producers.Reset(_log, deleteSnapshot: true);
            _log.SetHighWatermark(Math.Min(_log.HighWatermark, end));
            _logger.LogInformation("Follower {Topic}-{Partition} truncated from {Before} to {End} (leader {Leader} epoch {Epoch})", _log.Topic, _log.Partition, before, end, Leader, LeaderEpoch);
        }

        return true;
    }

    /// <summary>One fetch round; false when the leader refused (not leader yet, fenced epoch) and the caller should back off.</summary>
    private async Task<bool> FetchOnceAsync(ReplicaClient client, CancellationToken token)
    {
        var request = new FetchRequest
        {
            ReplicaId = NodeId,
            MaxWaitMs = 500,
            MinBytes = 1,
            MaxBytes = MaxBytes,
            IsolationLevel = 0,
            Topics =
            [
                new FetchRequest.Topic
                {
                    Name = _log.Topic,
                    Partitions = [new FetchRequest.Partition { Index = _log.Partition, CurrentLeaderEpoch = LeaderEpoch, FetchOffset = _log.LogEndOffset, PartitionMaxBytes = MaxBytes }],
                },
            ],
        };
        var response = await client.SendAsync<FetchResponse>(request, FetchVersion, token).ConfigureAwait(false);
        var partition = response.Responses.SelectMany(t => t.Partitions).FirstOrDefault();
        if (partition is null || partition.ErrorCode != ErrorCode.None)
        {
            if (partition?.ErrorCode == ErrorCode.OffsetOutOfRange && partition.LogStartOffset > _log.LogEndOffset)
            {
                _log.TruncateFullyAndStartAt(partition.LogStartOffset);
                _producers.Reset(_log, deleteSnapshot: true);
                return true;
            }

            return false;
        }

        if (partition.Records.Length > 0)
        {
            var bytes = MemoryMarshal.AsMemory(partition.Records.Memory).Span;
            var complete = CompleteBatchesLength(bytes);
            if (complete > 0)
            {
                var result = _log.AppendAsFollower(bytes[..complete]);
                if (!result.Succeeded)
                {
                    _logger.LogWarning("Follower append to {Topic}-{Partition} at {Offset} failed: {Error}", _log.Topic, _log.Partition, _log.LogEndOffset, result.Error);
                    return false;
                }
            }
        }

        _log.SetHighWatermark(Math.Min(partition.HighWatermark, _log.LogEndOffset));
        return true;
    }

    private static int CompleteBatchesLength(ReadOnlySpan<byte> bytes)
    {
        // A fetch response may end with a partial batch (size limits): append whole batches only.
        var position = 0;
        while (position < bytes.Length && LogBus.Protocol.Records.RecordBatchHeader.TryRead(bytes[position..], out var header)
            && header.TotalSize > 0 && position + header.TotalSize <= bytes.Length)
        {
            position += header.TotalSize;
        }

        return position;
    }
}

using LogBus.Transport;

namespace LogBus.Internal;

internal sealed partial class ConsumerRunner
{
    public ValueTask OnPartitionsAssignedAsync(IReadOnlyList<TopicPartition> partitions, CancellationToken cancellationToken)
    {
        if (IsExactlyOnce)
        {
            return new ValueTask(AssignTransactionalAsync(partitions, cancellationToken));
        }
        foreach (var partition in partitions)
        {
            if (_workers.ContainsKey(partition))
            {
                continue;
            }
            var worker = PartitionWorker.Create(partition, _dispatcher, _registration.Options, _onSpaceAvailable);
            _workers[partition] = worker;
            worker.Start();
        }
        Log.PartitionsAssigned(_runtime.Logger, Name, GroupId, string.Join(", ", partitions));
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Drains the revoked partitions' in-flight handlers (cancelling them after the shutdown timeout) and
    /// commits their finished positions before the partitions move to another member. Records buffered
    /// but not started are dropped: the next owner reads them from the committed offset.
    /// </summary>
    public async ValueTask OnPartitionsRevokedAsync(IReadOnlyList<TopicPartition> partitions, CancellationToken cancellationToken)
    {
        if (IsExactlyOnce)
        {
            await RevokeTransactionalAsync(partitions).ConfigureAwait(false); // every transaction is committed or aborted here
            return;
        }
        var revoked = new List<PartitionWorker>(partitions.Count);
        foreach (var partition in partitions)
        {
            if (_workers.Remove(partition, out var worker))
            {
                revoked.Add(worker);
            }
        }
        if (revoked.Count == 0)
        {
            return;
        }
        await DrainAsync(revoked).ConfigureAwait(false);
        if (_consumer is { } consumer)
        {
            await CommitAsync(consumer, revoked, CancellationToken.None).ConfigureAwait(false);
        }
        Log.PartitionsRevoked(_runtime.Logger, Name, GroupId, string.Join(", ", partitions));
    }

    private async Task DrainAsync(IReadOnlyCollection<PartitionWorker> workers)
    {
        var drained = Task.WhenAll(workers.Select(w => w.StopAsync()));
        var timeout = _runtime.ShutdownTimeout;
        _phase = "draining " + workers.Count + " partition(s)";
        try
        {
            // Bounded by the bus's shutdown timeout and by the host's stop token, whichever ends first.
            await drained.WaitAsync(timeout, _hostStop).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && _hostStop.IsCancellationRequested))
        {
            _phase = "draining, handlers aborted: " + string.Join("; ", workers.Where(w => !w.Stopped).Select(w => w.Describe()));
            Log.DrainTimedOut(_runtime.Logger, Name, GroupId, timeout, _phase);
            foreach (var worker in workers)
            {
                worker.Abort();
            }
            // Handlers that ignore their token cannot be waited for forever; what they did not finish
            // is not committed and will be redelivered.
            await Task.WhenAny(drained, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        }
    }

    private async Task ShutdownMemberAsync(ITransportConsumer consumer)
    {
        var workers = _workers.Values.ToList();
        _workers.Clear();
        try
        {
            await DrainAsync(workers).ConfigureAwait(false);
            _phase = "committing at shutdown";
            await CommitAsync(consumer, workers, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _phase = "disposing the transport consumer";
            await RevokeTransactionalAsync(_transactional.Keys).ConfigureAwait(false);
            try
            {
                await consumer.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.CommitFailed(_runtime.Logger, ex, GroupId);
            }
        }
    }
}

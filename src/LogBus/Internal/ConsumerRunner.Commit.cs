using System.Diagnostics;
using LogBus.Transport;

namespace LogBus.Internal;

internal sealed partial class ConsumerRunner
{
    /// <summary>
    /// Commits the finished position of each worker that moved since its last commit. A failed commit
    /// is logged and retried at the next interval; the records stay safe (at-least-once).
    /// </summary>
    private async Task CommitAsync(ITransportConsumer consumer, IEnumerable<PartitionWorker> workers, CancellationToken cancellationToken)
    {
        _lastCommit = Stopwatch.GetTimestamp();
        List<TopicPartitionOffset>? offsets = null;
        List<(PartitionWorker Worker, long Position)>? moved = null;
        foreach (var worker in workers)
        {
            var position = worker.Position;
            if (position > worker.CommittedPosition)
            {
                (offsets ??= []).Add(new TopicPartitionOffset(worker.Partition.Topic, worker.Partition.Partition, position));
                (moved ??= []).Add((worker, position));
            }
        }
        if (offsets is null)
        {
            return;
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            await consumer.CommitAsync(offsets, timeout.Token).ConfigureAwait(false);
            foreach (var (worker, position) in moved!)
            {
                worker.CommittedPosition = position;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            Log.CommitFailed(_runtime.Logger, ex, GroupId);
        }
    }
}

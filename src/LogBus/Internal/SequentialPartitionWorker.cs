using LogBus.Transport;

namespace LogBus.Internal;

/// <summary>Handles a partition strictly in offset order, one record at a time.</summary>
internal sealed class SequentialPartitionWorker(TopicPartition partition, MessageDispatcher dispatcher, int capacity, Action<PartitionWorker> spaceAvailable)
    : PartitionWorker(partition, dispatcher, capacity, spaceAvailable)
{
    protected override async Task ProcessAsync(CancellationToken stop, CancellationToken abort)
    {
        var reader = Buffer.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stop).ConfigureAwait(false))
            {
                while (!stop.IsCancellationRequested && reader.TryRead(out var record))
                {
                    if (!await Dispatcher.HandleAsync(record, abort).ConfigureAwait(false))
                    {
                        return; // cancelled: the record stays uncommitted
                    }
                    SetPosition(record.Offset + 1);
                    OnProgress();
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }
}

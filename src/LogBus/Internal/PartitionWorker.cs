using LogBus.Transport;

namespace LogBus.Internal;

/// <summary>
/// Processes the records of one assigned partition for one consumer group. Owns a bounded buffer that
/// the runner fills; when it is full the runner pauses the partition and the worker signals when it has
/// drained to half, so memory stays bounded and slow partitions do not stall fast ones.
/// </summary>
/// <remarks>
/// Lifecycle: created on assignment and started; the runner enqueues fetched records and calls
/// <see cref="Schedule"/>; <see cref="StopAsync"/> (on revocation or shutdown) stops taking buffered
/// records and completes when the handlers in flight finish; <see cref="Abort"/> cancels those handlers.
/// <see cref="Position"/> only ever covers finished records.
/// </remarks>
internal abstract class PartitionWorker
{
    private readonly Action<PartitionWorker> _spaceAvailable;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly int _lowWater;
    private long _position = -1;
    private int _spaceWanted;
    private Task? _processing;

    protected PartitionWorker(TopicPartition partition, MessageDispatcher dispatcher, int capacity, Action<PartitionWorker> spaceAvailable)
    {
        Partition = partition;
        Dispatcher = dispatcher;
        Capacity = capacity;
        _lowWater = capacity / 2;
        _spaceAvailable = spaceAvailable;
        Buffer = new SpscQueue<LogRecord>(capacity);
    }

    public TopicPartition Partition { get; }

    protected MessageDispatcher Dispatcher { get; }

    protected int Capacity { get; }

    protected SpscQueue<LogRecord> Buffer { get; }

    protected bool StopRequested => _stop.IsCancellationRequested;

    /// <summary>The next offset to commit (one past the finished prefix), or -1 when nothing finished yet.</summary>
    public long Position => Volatile.Read(ref _position);

    /// <summary>The last position committed for this partition (runner thread only).</summary>
    public long CommittedPosition { get; set; } = -1;

    /// <summary>Records fetched while the buffer was full, in order (runner thread only).</summary>
    public Queue<LogRecord> Overflow { get; } = new();

    /// <summary>True while the runner has paused the partition for this worker (runner thread only).</summary>
    public bool Paused { get; set; }

    /// <summary>Starts processing (workers with their own loop start it here).</summary>
    public virtual void Start() => _processing = Task.Run(() => ProcessAsync(_stop.Token, _abort.Token));

    /// <summary>Called by the runner (fetch loop) after it enqueued records for this worker.</summary>
    public virtual void Schedule()
    {
    }

    /// <summary>Adds a fetched record; false when the buffer is full.</summary>
    public bool TryEnqueue(LogRecord record) => !StopRequested && Buffer.TryEnqueue(record);

    /// <summary>Asks for one call of the space-available callback once the buffer drained to half.</summary>
    public void RequestSpaceSignal()
    {
        Volatile.Write(ref _spaceWanted, 1);
        OnProgress(); // the buffer may have drained already
    }

    /// <summary>Stops taking buffered records; completes when in-flight handlers finished.</summary>
    public virtual Task StopAsync()
    {
        _stop.Cancel();
        Buffer.Complete();
        return _processing ?? Task.CompletedTask;
    }

    /// <summary>True once a stop completed (no handler of this partition runs any more).</summary>
    public virtual bool Stopped => _processing is null || _processing.IsCompleted;

    /// <summary>A one-line state for diagnostics (a drain that does not finish names its partitions).</summary>
    public virtual string Describe() => $"{Partition}: position {Position}, {Buffer.Count} buffered";

    protected CancellationToken AbortToken => _abort.Token;

    /// <summary>Cancels the handlers in flight (their records stay uncommitted and will be redelivered).</summary>
    public void Abort() => _abort.Cancel();

    protected void SetPosition(long position) => Volatile.Write(ref _position, position);

    protected void OnProgress()
    {
        if (Volatile.Read(ref _spaceWanted) == 1 && Buffer.Count <= _lowWater && Interlocked.Exchange(ref _spaceWanted, 0) == 1)
        {
            _spaceAvailable(this);
        }
    }

    protected abstract Task ProcessAsync(CancellationToken stop, CancellationToken abort);

    public static PartitionWorker Create(TopicPartition partition, MessageDispatcher dispatcher, ConsumerOptions options, Action<PartitionWorker> spaceAvailable) =>
        options.Concurrency == 1
            ? new SequentialPartitionWorker(partition, dispatcher, options.PrefetchPerPartition, spaceAvailable)
            : new KeyedPartitionWorker(partition, dispatcher, options.PrefetchPerPartition, options.Concurrency, spaceAvailable);
}

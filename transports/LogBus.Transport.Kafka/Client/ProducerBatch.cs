using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading.Tasks.Sources;
using LogBus.Protocol.Records;

namespace LogBus.Transport.Kafka.Client;

/// <summary>
/// One record batch of one partition on its way to the broker, and the completion source of every
/// record in it: each record's <see cref="ValueTask{TResult}"/> uses this object with the record's index
/// as token, and its offset is the batch's base offset plus that index. One allocation per batch, none
/// per record (beyond the awaiter's continuation slot).
/// </summary>
/// <remarks>
/// Lifecycle: created open by the accumulator; records are appended under the accumulator's lock;
/// closed (<see cref="Close"/>: the builder writes header and CRC) when full, when its linger expired or
/// on flush; sent and possibly re-sent (the same bytes: same producer id and sequence, so the broker
/// drops duplicates); completed exactly once. Continuations run on the thread pool, one work item per
/// batch, never on the connection's receive loop.
/// </remarks>
internal sealed class ProducerBatch : IValueTaskSource<DeliveryResult>
{
    /// <summary>Records per batch: tokens are non-negative shorts.</summary>
    public const int MaxRecords = short.MaxValue;

    private readonly Lock _gate = new();
    private Action<object?>?[]? _continuations;
    private object?[]? _states;
    private ExecutionContext?[]? _contexts;
    private TaskCompletionSource? _done;
    private long _baseOffset = -1;
    private ExceptionDispatchInfo? _error;
    private volatile bool _completed;

    public ProducerBatch(PartitionAccumulator owner, RecordBatchBuilder builder, long createdTimestamp)
    {
        Owner = owner;
        Builder = builder;
        Created = createdTimestamp;
    }

    public PartitionAccumulator Owner { get; }

    public RecordBatchBuilder Builder { get; }

    /// <summary>Stopwatch timestamp of the first record.</summary>
    public long Created { get; }

    /// <summary>Buffer-memory bytes reserved by the records of this batch.</summary>
    public long ReservedBytes { get; set; }

    /// <summary>The built batch (after <see cref="Close"/>).</summary>
    public ReadOnlyMemory<byte> Built { get; private set; }

    public bool IsClosed { get; private set; }

    public int Count => Builder.Count;

    /// <summary>Send attempts so far.</summary>
    public int Attempts { get; set; }

    public bool IsCompleted => _completed;

    /// <summary>Writes header and CRC; no record may be appended afterwards.</summary>
    public void Close()
    {
        Debug.Assert(!IsClosed, "a batch is closed once");
        Built = Builder.Build();
        IsClosed = true;
    }

    /// <summary>Completes every record with its offset (base + index); -1 when unknown (acks=0).</summary>
    public void Complete(long baseOffset)
    {
        _baseOffset = baseOffset;
        Finish();
    }

    /// <summary>Fails every record of the batch with <paramref name="error"/>.</summary>
    public void Fail(Exception error)
    {
        _error = ExceptionDispatchInfo.Capture(error);
        Finish();
    }

    /// <summary>Completes when the batch completed (successfully or not); for flush.</summary>
    public Task WhenDone()
    {
        lock (_gate)
        {
            if (_completed)
            {
                return Task.CompletedTask;
            }
            _done ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _done.Task;
        }
    }

    private void Finish()
    {
        Action<object?>?[]? continuations;
        object?[]? states;
        ExecutionContext?[]? contexts;
        TaskCompletionSource? done;
        lock (_gate)
        {
            Debug.Assert(!_completed, "a batch completes once");
            _completed = true;
            continuations = _continuations;
            states = _states;
            contexts = _contexts;
            done = _done;
            _continuations = null;
            _states = null;
            _contexts = null;
        }
        done?.TrySetResult();
        if (continuations is not null)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => RunAll(s.continuations, s.states!, s.contexts), (continuations, states, contexts), preferLocal: false);
        }
    }

    private static void RunAll(Action<object?>?[] continuations, object?[] states, ExecutionContext?[]? contexts)
    {
        for (var i = 0; i < continuations.Length; i++)
        {
            if (continuations[i] is not { } continuation)
            {
                continue;
            }
            if (contexts?[i] is { } context)
            {
                ExecutionContext.Run(context, static s => { var (c, st) = ((Action<object?>, object?))s!; c(st); }, (continuation, states[i]));
            }
            else
            {
                continuation(states[i]);
            }
        }
    }

    public DeliveryResult GetResult(short token)
    {
        Debug.Assert(_completed, "results are read after completion");
        _error?.Throw();
        return new DeliveryResult(Owner.Topic, Owner.Partition, _baseOffset < 0 ? -1 : _baseOffset + token);
    }

    public ValueTaskSourceStatus GetStatus(short token) =>
        !_completed ? ValueTaskSourceStatus.Pending
        : _error is null ? ValueTaskSourceStatus.Succeeded
        : _error.SourceException is OperationCanceledException ? ValueTaskSourceStatus.Canceled
        : ValueTaskSourceStatus.Faulted;

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        var context = (flags & ValueTaskSourceOnCompletedFlags.FlowExecutionContext) != 0 ? ExecutionContext.Capture() : null;
        lock (_gate)
        {
            if (!_completed)
            {
                var size = Math.Max(Count, token + 1);
                if (_continuations is null || _continuations.Length <= token)
                {
                    var capacity = Math.Max(size, Math.Min(MaxRecords, (_continuations?.Length ?? 8) * 2));
                    Array.Resize(ref _continuations, capacity);
                    Array.Resize(ref _states, capacity);
                    if (context is not null || _contexts is not null)
                    {
                        Array.Resize(ref _contexts, capacity);
                    }
                }
                else if (context is not null && _contexts is null)
                {
                    _contexts = new ExecutionContext?[_continuations.Length];
                }
                Debug.Assert(_continuations[token] is null, "one awaiter per record");
                _continuations[token] = continuation;
                _states![token] = state;
                if (context is not null)
                {
                    _contexts![token] = context;
                }
                return;
            }
        }
        // Completed meanwhile: run it on the pool, never inline (the caller may hold locks).
        if (context is not null)
        {
            ThreadPool.QueueUserWorkItem(static s => ExecutionContext.Run(s.context, static x => { var (c, st) = ((Action<object?>, object?))x!; c(st); }, (s.continuation, s.state)), (context, continuation, state), preferLocal: false);
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.continuation(s.state), (continuation, state), preferLocal: false);
        }
    }
}

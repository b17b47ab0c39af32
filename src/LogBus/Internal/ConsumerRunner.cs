using System.Collections.Concurrent;
using System.Diagnostics;
using LogBus.Transport;
using Microsoft.Extensions.Logging;

namespace LogBus.Internal;

/// <summary>
/// Runs one consumer registration: one group member that fetches records and hands them to a
/// <see cref="PartitionWorker"/> per assigned partition, commits finished positions periodically, on
/// revocation and at shutdown, and restarts with backoff after failures (a broker that goes away).
/// </summary>
/// <remarks>
/// Threading: the fetch loop is the single owner of the transport consumer; every call to it (fetch,
/// commit, pause, resume, seek) happens on that loop, including the assignment callbacks. Workers run
/// on the thread pool and talk back only through <see cref="PartitionWorker.Position"/> and the
/// space-available queue (plus <see cref="ITransportConsumer.Wakeup"/>).
/// </remarks>
internal sealed partial class ConsumerRunner : IPartitionAssignmentListener
{
    private static readonly TimeSpan FetchWait = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxRestartDelay = TimeSpan.FromSeconds(30);

    private readonly BusRuntime _runtime;
    private readonly ConsumerRegistration _registration;
    private readonly MessageDispatcher _dispatcher;
    private readonly Dictionary<TopicPartition, PartitionWorker> _workers = [];
    private readonly ConcurrentQueue<PartitionWorker> _spaceAvailable = new();
    private readonly Action<PartitionWorker> _onSpaceAvailable;
    private readonly CancellationTokenSource _stopping = new();
    private ITransportConsumer? _consumer;
    private Task? _run;
    private long _lastCommit;
    private volatile string _phase = "created";
    private CancellationToken _hostStop;

    public ConsumerRunner(BusRuntime runtime, ConsumerRegistration registration)
    {
        _runtime = runtime;
        _registration = registration;
        GroupId = registration.Options.GroupId ?? $"{runtime.ServiceName}.{registration.Name}";
        _dispatcher = new MessageDispatcher(runtime, registration, GroupId);
        _onSpaceAvailable = OnSpaceAvailable;
    }

    public string GroupId { get; }

    public string Name => _registration.ConsumerType.Name;

    public IReadOnlyCollection<string> Topics => _dispatcher.Topics;

    /// <summary>Running, starting (or restarting after a failure) and why.</summary>
    public ConsumerState State { get; private set; } = ConsumerState.Stopped;

    public Exception? LastError { get; private set; }

    public void Start()
    {
        if (_run is not null)
        {
            return;
        }
        State = ConsumerState.Starting;
        _run = Task.Run(() => RunAsync(_stopping.Token));
    }

    /// <summary>Stops fetching, drains in-flight handlers (cancelling them after the shutdown timeout), commits, leaves the group.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_run is null)
        {
            return;
        }
        // The host's token bounds the drain too (DrainAsync aborts handlers when it fires first).
        _hostStop = cancellationToken;
        await _stopping.CancelAsync().ConfigureAwait(false);
        _consumer?.Wakeup();
        try
        {
            await _run.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !_run.IsCompleted)
        {
            // Say where the runner is stuck: a shutdown that hangs is a bug to be found, not hidden.
            throw new OperationCanceledException(
                $"Consumer {Name} (group {GroupId}) did not stop within the host's shutdown timeout; it was {_phase}.", cancellationToken);
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var restartDelay = TimeSpan.FromMilliseconds(200);
        while (!stopping.IsCancellationRequested)
        {
            ITransportConsumer? consumer = null;
            try
            {
                _phase = "starting";
                await _runtime.EnsureStartedAsync(stopping).ConfigureAwait(false);
                if (IsExactlyOnce)
                {
                    RequireTransactionalTransport(); // a configuration error, logged and shown by the health check
                }
                foreach (var topic in _dispatcher.Topics)
                {
                    await _runtime.EnsureTopicAsync(topic, _dispatcher.PartitionsOf(topic), stopping).ConfigureAwait(false);
                }
                consumer = _runtime.Transport.CreateConsumer(new ConsumerSpecification
                {
                    GroupId = GroupId,
                    ClientId = $"{_runtime.ServiceName}.{_registration.Name}",
                    AutoOffsetReset = _registration.Options.StartFrom,
                    MaxFetchRecords = Math.Max(64, Math.Min(4096, _registration.Options.PrefetchPerPartition)),
                });
                _consumer = consumer;
                _phase = "subscribing";
                await consumer.SubscribeAsync(_dispatcher.Topics, this, stopping).ConfigureAwait(false);
                Log.ConsumerSubscribed(_runtime.Logger, Name, GroupId, string.Join(", ", _dispatcher.Topics));
                State = ConsumerState.Running;
                LastError = null;
                restartDelay = TimeSpan.FromMilliseconds(200);
                _lastCommit = Stopwatch.GetTimestamp();
                if (IsExactlyOnce)
                {
                    await ExactlyOnceFetchLoopAsync(consumer, stopping).ConfigureAwait(false);
                }
                else
                {
                    await FetchLoopAsync(consumer, stopping).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                State = ConsumerState.Faulted;
                LastError = ex;
                Log.ConsumerFailed(_runtime.Logger, ex, Name, GroupId, restartDelay);
            }
            finally
            {
                if (consumer is not null)
                {
                    _phase = "leaving the group";
                    await ShutdownMemberAsync(consumer).ConfigureAwait(false);
                    _consumer = null;
                }
            }
            if (!stopping.IsCancellationRequested)
            {
                _phase = "waiting to restart";
                try
                {
                    await Task.Delay(restartDelay, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
                restartDelay = TimeSpan.FromTicks(Math.Min(restartDelay.Ticks * 2, MaxRestartDelay.Ticks));
            }
        }
        _phase = "stopped";
        State = ConsumerState.Stopped;
        Log.ConsumerStopped(_runtime.Logger, Name, GroupId);
    }

    private async Task FetchLoopAsync(ITransportConsumer consumer, CancellationToken stopping)
    {
        var commitInterval = _registration.Options.CommitInterval;
        while (!stopping.IsCancellationRequested)
        {
            _phase = "fetching";
            RefillPausedPartitions(consumer);
            var records = await consumer.FetchAsync(FetchWait, stopping).ConfigureAwait(false);
            _phase = "routing fetched records";
            Route(records, consumer);
            if (Stopwatch.GetElapsedTime(_lastCommit) >= commitInterval)
            {
                _phase = "committing";
                await CommitAsync(consumer, _workers.Values, stopping).ConfigureAwait(false);
            }
        }
    }

    private void Route(IReadOnlyList<LogRecord> records, ITransportConsumer consumer)
    {
        PartitionWorker? worker = null;
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            if (worker is null || worker.Partition.Partition != record.Partition || !string.Equals(worker.Partition.Topic, record.Topic, StringComparison.Ordinal))
            {
                // Records arrive grouped by partition: hand the previous partition's run to its worker.
                worker?.Schedule();
                if (!_workers.TryGetValue(new TopicPartition(record.Topic, record.Partition), out worker))
                {
                    continue; // not assigned (any more): the new owner reads it from the committed offset
                }
            }
            if (worker.Overflow.Count > 0 || !worker.TryEnqueue(record))
            {
                worker.Overflow.Enqueue(record);
                if (!worker.Paused)
                {
                    worker.Paused = true;
                    consumer.Pause(worker.Partition);
                    worker.RequestSpaceSignal();
                }
            }
        }
        worker?.Schedule();
    }

    private void OnSpaceAvailable(PartitionWorker worker)
    {
        _spaceAvailable.Enqueue(worker);
        _consumer?.Wakeup();
    }

    private void RefillPausedPartitions(ITransportConsumer consumer)
    {
        while (_spaceAvailable.TryDequeue(out var worker))
        {
            if (!_workers.TryGetValue(worker.Partition, out var current) || !ReferenceEquals(current, worker))
            {
                continue; // revoked meanwhile
            }
            while (worker.Overflow.TryPeek(out var record) && worker.TryEnqueue(record))
            {
                worker.Overflow.Dequeue();
            }
            worker.Schedule();
            if (worker.Overflow.Count == 0)
            {
                worker.Paused = false;
                consumer.Resume(worker.Partition);
            }
            else
            {
                worker.RequestSpaceSignal();
            }
        }
    }
}

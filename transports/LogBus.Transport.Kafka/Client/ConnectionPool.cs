using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace LogBus.Transport.Kafka.Client;

/// <summary>
/// At most one live connection per broker node, created on demand and replaced after it closes, with
/// exponential reconnect backoff per node. Thread-safe.
/// </summary>
/// <remarks>
/// Owners: the <see cref="KafkaCluster"/> (metadata, admin, produce) and each consumer (its fetch and
/// group requests long-poll, so they get connections of their own). Disposing closes every connection.
/// </remarks>
internal sealed class ConnectionPool(KafkaClientOptions options, ILogger logger) : IAsyncDisposable
{
    private readonly Dictionary<int, Slot> _slots = [];
    private readonly CancellationTokenSource _disposed = new();

    /// <summary>Returns the live connection to a node, connecting (after any backoff) when there is none.</summary>
    public async Task<KafkaConnection> GetAsync(int nodeId, BrokerEndpoint endpoint, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        Slot slot;
        lock (_slots)
        {
            if (!_slots.TryGetValue(nodeId, out slot!))
            {
                slot = new Slot();
                _slots[nodeId] = slot;
            }
        }
        for (var attempt = 0; ; attempt++)
        {
            Task<KafkaConnection> task;
            lock (slot)
            {
                var current = slot.Connection;
                var usable = current is not null
                    && slot.Endpoint == endpoint
                    && !current.IsFaulted && !current.IsCanceled
                    && !(current.IsCompletedSuccessfully && current.Result.IsClosed);
                if (usable)
                {
                    task = current!;
                }
                else
                {
                    if (current is { IsCompletedSuccessfully: true } && slot.Endpoint != endpoint)
                    {
                        current.Result.Close(new KafkaConnectionException($"Node {nodeId} moved to {endpoint}."));
                    }
                    var delay = TimeSpan.FromTicks(Math.Max(0, slot.RetryAt - Stopwatch.GetTimestamp()) * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
                    slot.Endpoint = endpoint;
                    task = slot.Connection = ConnectAsync(slot, nodeId, endpoint, delay);
                }
            }
            var connection = await task.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!connection.IsClosed || attempt >= 2)
            {
                return connection;
            }
        }
    }

    private async Task<KafkaConnection> ConnectAsync(Slot slot, int nodeId, BrokerEndpoint endpoint, TimeSpan delay)
    {
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _disposed.Token).ConfigureAwait(false);
        }
        try
        {
            var connection = await KafkaConnection.ConnectAsync(endpoint, nodeId, options, logger, _disposed.Token).ConfigureAwait(false);
            lock (slot)
            {
                slot.Failures = 0;
                slot.RetryAt = 0;
            }
            return connection;
        }
        catch (Exception ex) when (!_disposed.IsCancellationRequested)
        {
            TimeSpan backoff;
            lock (slot)
            {
                slot.Failures++;
                var ticks = Math.Min(options.ReconnectBackoff.Ticks << Math.Min(slot.Failures - 1, 16), options.ReconnectBackoffMax.Ticks);
                backoff = TimeSpan.FromTicks(ticks);
                slot.RetryAt = Stopwatch.GetTimestamp() + (long)(backoff.TotalSeconds * Stopwatch.Frequency);
            }
            KafkaLog.ConnectFailed(logger, endpoint.ToString(), nodeId, backoff, ex.Message);
            throw ex as KafkaException ?? new KafkaConnectionException($"Cannot connect to broker {endpoint}: {ex.Message}", ex);
        }
    }

    /// <summary>Closes the connection to a node (e.g. after it stopped answering); the next use reconnects.</summary>
    public void Invalidate(int nodeId)
    {
        Slot? slot;
        lock (_slots)
        {
            _slots.TryGetValue(nodeId, out slot);
        }
        if (slot?.Connection is { IsCompletedSuccessfully: true } task)
        {
            task.Result.Close(new KafkaConnectionException($"Connection to node {nodeId} invalidated."));
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }
        await _disposed.CancelAsync().ConfigureAwait(false);
        List<Task<KafkaConnection>> connections;
        lock (_slots)
        {
            connections = _slots.Values.Select(s => s.Connection).OfType<Task<KafkaConnection>>().ToList();
        }
        foreach (var task in connections)
        {
            try
            {
                var connection = await task.ConfigureAwait(false);
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is KafkaException or OperationCanceledException)
            {
            }
        }
    }

    private sealed class Slot
    {
        public Task<KafkaConnection>? Connection;
        public BrokerEndpoint Endpoint;
        public int Failures;
        public long RetryAt;
    }
}

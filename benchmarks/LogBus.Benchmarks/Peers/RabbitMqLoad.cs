using LogBus.Benchmarks.Report;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace LogBus.Benchmarks.Peers;

/// <summary>
/// RabbitMQ.Client (AMQP 0-9-1) load for the broker workload: publish with or without publisher
/// confirms (a window of outstanding confirms, acknowledgements tracked from the broker's
/// <c>basic.ack</c>s, as RabbitMQ's PerfTest does), and consume with a prefetch and multiple-acks.
/// </summary>
internal static class RabbitMqLoad
{
    /// <summary>Opens a connection to <paramref name="uri"/>.</summary>
    public static Task<IConnection> ConnectAsync(string uri) =>
        new ConnectionFactory { Uri = new Uri(uri), ClientProvidedName = "logbus-benchmarks" }.CreateConnectionAsync();

    /// <summary>Declares <paramref name="queue"/> as <paramref name="kind"/>.</summary>
    public static async Task DeclareAsync(IConnection connection, string queue, RabbitQueueKind kind)
    {
        await using var channel = await connection.CreateChannelAsync();
        var arguments = kind == RabbitQueueKind.Stream ? new Dictionary<string, object?> { ["x-queue-type"] = "stream" } : null;
        await channel.QueueDeclareAsync(queue, durable: kind != RabbitQueueKind.ClassicTransient, exclusive: false, autoDelete: false, arguments: arguments);
    }

    /// <summary>Deletes <paramref name="queue"/> (frees the node's disk and memory between rows).</summary>
    public static async Task DeleteAsync(IConnection connection, string queue)
    {
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeleteAsync(queue);
    }

    /// <summary>
    /// Publishes <paramref name="count"/> messages of <paramref name="size"/> bytes to <paramref name="queue"/>
    /// through the default exchange. With confirms, at most <paramref name="window"/> are unconfirmed and the
    /// run ends at the last confirm; without, the run ends when a synchronous call on the same channel
    /// returns (the channel has routed every message) and, for classic queues, the queue holds them all.
    /// </summary>
    public static async Task<(double Seconds, RunProfile Profile)> PublishAsync(
        IConnection connection, string queue, RabbitQueueKind kind, int count, int size, bool confirms, int window, int? serverPid)
    {
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: confirms, publisherConfirmationTrackingEnabled: false));
        var body = new byte[size];
        Random.Shared.NextBytes(body);
        var properties = new BasicProperties { DeliveryMode = kind == RabbitQueueKind.ClassicTransient ? DeliveryModes.Transient : DeliveryModes.Persistent };
        var tracker = confirms ? new ConfirmTracker(window, count) : null;
        if (tracker is not null)
        {
            channel.BasicAcksAsync += (_, e) =>
            {
                tracker.Confirm(e.DeliveryTag, e.Multiple);
                return Task.CompletedTask;
            };
            channel.BasicNacksAsync += (_, e) =>
            {
                tracker.Fail($"broker nacked delivery tag {e.DeliveryTag}");
                return Task.CompletedTask;
            };
        }
        var meter = RunMeter.Start(serverPid);
        for (var i = 0; i < count; i++)
        {
            if (tracker is not null)
            {
                await tracker.WaitForSlotAsync();
            }
            await channel.BasicPublishAsync(exchange: "", routingKey: queue, mandatory: false, basicProperties: properties, body: body);
        }
        if (tracker is not null)
        {
            await tracker.AllConfirmed.WaitAsync(TimeSpan.FromMinutes(5));
        }
        else
        {
            var ok = await channel.QueueDeclarePassiveAsync(queue);
            if (kind != RabbitQueueKind.Stream)
            {
                var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
                while (ok.MessageCount < count)
                {
                    if (DateTime.UtcNow > deadline)
                    {
                        throw new TimeoutException($"{queue} holds {ok.MessageCount} of {count} messages");
                    }
                    await Task.Delay(1);
                    ok = await channel.QueueDeclarePassiveAsync(queue);
                }
            }
        }
        return meter.Stop(count);
    }

    /// <summary>
    /// Consumes <paramref name="count"/> messages already in <paramref name="queue"/> (streams from the
    /// first offset) with a prefetch of <paramref name="prefetch"/>, acknowledging every
    /// <paramref name="ackEvery"/> messages with one multiple-ack.
    /// </summary>
    public static async Task<(double Seconds, RunProfile Profile)> ConsumeAsync(
        IConnection connection, string queue, RabbitQueueKind kind, int count, ushort prefetch, int ackEvery, int? serverPid)
    {
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, prefetch, global: false);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = 0;
        long bytes = 0;
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, e) =>
        {
            bytes += e.Body.Length;
            received++;
            if (received % ackEvery == 0 || received == count)
            {
                await channel.BasicAckAsync(e.DeliveryTag, multiple: true);
            }
            if (received == count)
            {
                done.TrySetResult();
            }
        };
        var arguments = kind == RabbitQueueKind.Stream ? new Dictionary<string, object?> { ["x-stream-offset"] = "first" } : null;
        var meter = RunMeter.Start(serverPid);
        var tag = await channel.BasicConsumeAsync(queue, autoAck: false, consumerTag: "", noLocal: false, exclusive: false, arguments: arguments, consumer: consumer);
        await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
        var result = meter.Stop(count);
        await channel.BasicCancelAsync(tag);
        GC.KeepAlive(bytes);
        return result;
    }

    /// <summary>Outstanding publisher confirms: a window of slots, released as <c>basic.ack</c>s arrive (single or multiple, in any order).</summary>
    private sealed class ConfirmTracker(int window, int count)
    {
        private readonly SemaphoreSlim _slots = new(window);
        private readonly bool[] _confirmed = new bool[window * 2];
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lock _lock = new();
        private ulong _lowestUnconfirmed = 1;

        public Task AllConfirmed => _all.Task;

        public async ValueTask WaitForSlotAsync()
        {
            await _slots.WaitAsync();
            if (_all.Task.IsFaulted)
            {
                await _all.Task;
            }
        }

        public void Confirm(ulong tag, bool multiple)
        {
            var released = 0;
            lock (_lock)
            {
                // Unconfirmed tags lie in [_lowestUnconfirmed, _lowestUnconfirmed + window): the ring holds them all.
                for (var t = multiple ? _lowestUnconfirmed : tag; t <= tag; t++)
                {
                    _confirmed[t % (ulong)_confirmed.Length] = true;
                }
                while (_confirmed[_lowestUnconfirmed % (ulong)_confirmed.Length])
                {
                    _confirmed[_lowestUnconfirmed % (ulong)_confirmed.Length] = false;
                    _lowestUnconfirmed++;
                    released++;
                }
            }
            if (released > 0)
            {
                _slots.Release(released);
            }
            if (_lowestUnconfirmed > (ulong)count)
            {
                _all.TrySetResult();
            }
        }

        public void Fail(string reason)
        {
            _all.TrySetException(new InvalidOperationException(reason));
            _slots.Release(window);
        }
    }
}

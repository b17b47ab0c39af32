using System.Collections.Concurrent;
using LogBus.Transport;
using Microsoft.Extensions.DependencyInjection;

namespace LogBus.Internal;

/// <summary>
/// The <see cref="ITestHarness"/>: records observations and tracks in-flight work as a set of
/// (group, message id) pairs published but not yet finished by that group, plus running handlers.
/// </summary>
internal sealed class TestHarness(IServiceProvider services) : ITestHarness, IBusObserver
{
    private readonly ConcurrentQueue<Observation> _published = new();
    private readonly ConcurrentQueue<Observation> _consumed = new();
    private readonly ConcurrentQueue<Observation> _faulted = new();
    private readonly Lock _gate = new();
    private readonly HashSet<(string Group, Guid MessageId)> _pending = [];
    private readonly Dictionary<string, string[]> _groupsByTopic = new(StringComparer.Ordinal);
    private int _running;
    private int _publishing;
    private TaskCompletionSource _idle = CompletedSource();
    private BusRuntime? _runtime;

    private readonly record struct Observation(object? Message, Type? MessageType, Guid MessageId, string Topic, string? GroupId, ConsumeContext? Context, Exception? Exception);

    public IReadOnlyList<ObservedMessage<T>> Published<T>() => Select<T>(_published);

    public IReadOnlyList<ObservedMessage<T>> Consumed<T>() => Select<T>(_consumed);

    public IReadOnlyList<ObservedMessage<T>> Faulted<T>() => Select<T>(_faulted);

    public async Task WaitForIdle(TimeSpan timeout)
    {
        Task idle;
        lock (_gate)
        {
            idle = _idle.Task;
        }
        try
        {
            await idle.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            string detail;
            lock (_gate)
            {
                var byGroup = _pending.GroupBy(p => p.Group).Select(g => $"{g.Count()} message(s) for group {g.Key}");
                detail = $"{_running} handler(s) running, {_publishing} publish(es) in progress, " +
                    (_pending.Count == 0 ? "no message pending" : string.Join(", ", byGroup));
            }
            throw new TimeoutException($"The bus was not idle within {timeout}: {detail}.");
        }
    }

    public void OnPublishing(in OutgoingMessage message)
    {
        var groups = GroupsReading(message.Record.Topic);
        lock (_gate)
        {
            _publishing++;
            foreach (var group in groups)
            {
                _pending.Add((group, message.MessageId));
            }
            Busy();
        }
    }

    public void OnPublished(in OutgoingMessage message, DeliveryResult result)
    {
        _published.Enqueue(new Observation(message.Message, message.Metadata.ClrType, message.MessageId, message.Record.Topic, null, null, null));
        lock (_gate)
        {
            _publishing--;
            MaybeIdle();
        }
    }

    public void OnPublishFailed(in OutgoingMessage message, Exception exception)
    {
        var groups = GroupsReading(message.Record.Topic);
        lock (_gate)
        {
            _publishing--;
            foreach (var group in groups)
            {
                _pending.Remove((group, message.MessageId));
            }
            MaybeIdle();
        }
    }

    public void OnConsuming(ConsumeContext context)
    {
        lock (_gate)
        {
            _running++;
            Busy();
        }
    }

    public void OnConsumed(ConsumeContext context)
    {
        _consumed.Enqueue(new Observation(context.MessageObject, context.MessageObject.GetType(), context.MessageId, context.Topic, context.GroupId, context, null));
        Finish(context.GroupId, context.MessageId, wasRunning: true);
    }

    public void OnFaulted(string groupId, LogRecord record, Guid messageId, ConsumeContext? context, Exception? exception, string reason)
    {
        var type = context?.MessageObject.GetType();
        if (type is null && record.Headers.TryGetValue(HeaderNames.MessageType, out var name)
            && (_runtime ??= services.GetService<BusRuntime>()) is { } runtime && runtime.Registry.TryGetByName(name.Span, out var metadata))
        {
            type = metadata.ClrType;
        }
        _faulted.Enqueue(new Observation(context?.MessageObject, type, messageId, record.Topic, groupId, context, exception));
        // A handler attempt that failed for the last time was counted as running by OnConsuming.
        Finish(groupId, messageId, wasRunning: context is not null);
    }

    public void OnSkipped(string groupId, LogRecord record, Guid messageId) => Finish(groupId, messageId, wasRunning: false);

    public void OnConsumeAbandoned(ConsumeContext context)
    {
        lock (_gate)
        {
            _running = Math.Max(0, _running - 1);
            MaybeIdle();
        }
    }

    private void Finish(string groupId, Guid messageId, bool wasRunning)
    {
        lock (_gate)
        {
            if (wasRunning)
            {
                _running = Math.Max(0, _running - 1);
            }
            _pending.Remove((groupId, messageId));
            MaybeIdle();
        }
    }

    private string[] GroupsReading(string topic)
    {
        lock (_gate)
        {
            if (_groupsByTopic.TryGetValue(topic, out var groups))
            {
                return groups;
            }
            _runtime ??= services.GetService<BusRuntime>();
            groups = _runtime?.Consumers.Where(c => c.Topics.Contains(topic)).Select(c => c.GroupId).ToArray() ?? [];
            _groupsByTopic[topic] = groups;
            return groups;
        }
    }

    // Both under _gate.
    private void Busy()
    {
        if (_idle.Task.IsCompleted)
        {
            _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    private void MaybeIdle()
    {
        if (_running == 0 && _publishing == 0 && _pending.Count == 0)
        {
            _idle.TrySetResult();
        }
    }

    private static TaskCompletionSource CompletedSource()
    {
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        source.SetResult();
        return source;
    }

    private static List<ObservedMessage<T>> Select<T>(ConcurrentQueue<Observation> source)
    {
        var result = new List<ObservedMessage<T>>();
        foreach (var o in source)
        {
            if (o.Message is T message)
            {
                result.Add(new ObservedMessage<T>(message, o.MessageId, o.Topic, o.GroupId, o.Context, o.Exception));
            }
            else if (o.Message is null && o.MessageType is not null && typeof(T).IsAssignableFrom(o.MessageType))
            {
                result.Add(new ObservedMessage<T>(default!, o.MessageId, o.Topic, o.GroupId, o.Context, o.Exception));
            }
        }
        return result;
    }
}

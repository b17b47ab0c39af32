using System.Diagnostics;
using System.Text;
using LogBus.Transport;
using Microsoft.Extensions.DependencyInjection;

namespace LogBus.Internal;

/// <summary>
/// Handles one record for one consumer group: envelope, type resolution, deserialization, the handler
/// in its own DI scope, in-place retries, then dead-lettering. Thread-safe: partition workers call it
/// concurrently for different records.
/// </summary>
/// <remarks>
/// Contract of <see cref="HandleAsync(LogRecord, CancellationToken)"/>: it never throws. It returns true when the record is finished
/// for this group (handled, skipped, or dead-lettered: its offset may be committed) and false when it was
/// cancelled before finishing (its offset must not be committed; it will be redelivered).
/// </remarks>
internal sealed class MessageDispatcher
{
    private readonly BusRuntime _runtime;
    private readonly ConsumerRegistration _registration;
    private readonly Dictionary<string, TopicRoute> _routes;
    private readonly DeadLetterWriter _deadLetters;
    private readonly ObjectFactory[] _filters;

    public MessageDispatcher(BusRuntime runtime, ConsumerRegistration registration, string groupId)
    {
        _runtime = runtime;
        _registration = registration;
        GroupId = groupId;
        _routes = new Dictionary<string, TopicRoute>(StringComparer.Ordinal);
        foreach (var messageType in registration.MessageTypes)
        {
            var metadata = runtime.Registry.Get(messageType);
            if (!_routes.TryGetValue(metadata.Topic, out var route))
            {
                _routes[metadata.Topic] = route = new TopicRoute();
            }
            route.Add(registration.InvokerFactory?.Invoke(metadata) ?? MessageInvoker.Create(metadata, registration.ConsumerType));
        }
        _deadLetters = new DeadLetterWriter(runtime, registration.Options, groupId);
        // Filters need no registration: they are created per attempt from the attempt's scope.
        _filters = [.. runtime.GlobalFilters.Concat(registration.Options.Filters).Select(type => ActivatorUtilities.CreateFactory(type, Type.EmptyTypes))];
    }

    public string GroupId { get; }

    /// <summary>The topics this group reads, with the metadata of one type per topic for creating it.</summary>
    public IReadOnlyCollection<string> Topics => _routes.Keys;

    public int PartitionsOf(string topic) => _routes[topic].Partitions;

    public ValueTask<bool> HandleAsync(LogRecord record, CancellationToken cancellationToken) => HandleAsync(record, 1, singleAttempt: false, cancellationToken);

    /// <summary>
    /// Handles a record. With <paramref name="singleAttempt"/> (exactly-once mode) the handler runs once
    /// as attempt <paramref name="attempt"/>: a failure is thrown (the caller aborts the transaction and
    /// retries the batch) unless the retries are used up, in which case the record is dead-lettered.
    /// </summary>
    public ValueTask<bool> HandleAsync(LogRecord record, int attempt, bool singleAttempt, CancellationToken cancellationToken)
    {
        if (!_routes.TryGetValue(record.Topic, out var route))
        {
            return DeadLetterAsync(record, "unknown-topic", null, cancellationToken);
        }

        MessageInvoker? invoker;
        if (record.Headers.TryGetValue(HeaderNames.MessageType, out var typeName))
        {
            invoker = route.Find(typeName.Span);
            if (invoker is null)
            {
                if (!_runtime.Registry.TryGetByName(typeName.Span, out var metadata))
                {
                    var error = new MessageSerializationException($"Unknown message type '{Encoding.UTF8.GetString(typeName.Span)}': no message type of this bus has that name.");
                    return DeadLetterAsync(record, "unknown-message-type", error, cancellationToken);
                }
                // A type this bus knows, but another consumer's: not ours to handle.
                Log.Skipped(_runtime.Logger, GroupId, record.Topic, record.Partition, record.Offset, metadata.Name);
                if (_runtime.Observers.Length > 0)
                {
                    var messageId = EnvelopeReader.MessageId(record);
                    foreach (var observer in _runtime.Observers)
                    {
                        observer.OnSkipped(GroupId, record, messageId);
                    }
                }
                return new ValueTask<bool>(true);
            }
        }
        else if (route.Single is not null)
        {
            // Written by a plain Kafka producer: the topic carries one type for this consumer.
            invoker = route.Single;
        }
        else
        {
            var error = new MessageSerializationException($"The record has no '{HeaderNames.MessageType}' header and topic '{record.Topic}' carries several message types for this consumer.");
            return DeadLetterAsync(record, "missing-message-type", error, cancellationToken);
        }

        MessageContext context;
        try
        {
            context = invoker.CreateContext(record, GroupId, _runtime.Serializer);
        }
        catch (Exception ex)
        {
            return DeadLetterAsync(record, "deserialization-failed", ex, cancellationToken);
        }
        return InvokeWithRetriesAsync(invoker, context, attempt, singleAttempt, cancellationToken);
    }

    private ValueTask<bool> DeadLetterAsync(LogRecord record, string reason, Exception? error, CancellationToken cancellationToken) =>
        _deadLetters.WriteAsync(record, EnvelopeReader.MessageId(record), null, reason, error, 0, cancellationToken);

    private async ValueTask<bool> InvokeWithRetriesAsync(MessageInvoker invoker, MessageContext context, int firstAttempt, bool singleAttempt, CancellationToken cancellationToken)
    {
        var policy = _registration.Options.Retry;
        for (var attempt = firstAttempt; ; attempt++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return Abandon(context);
            }
            context.Attempt = attempt;
            context.CancellationToken = cancellationToken;
            var started = LogBusDiagnostics.HandlerDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
            using var activity = LogBusDiagnostics.StartConsume(context.Record, GroupId);
            Exception failure;
            try
            {
                var scope = _runtime.ScopeFactory.CreateAsyncScope();
                try
                {
                    var services = scope.ServiceProvider;
                    context.Services = services;
                    if (attempt == 1)
                    {
                        foreach (var observer in _runtime.Observers)
                        {
                            observer.OnConsuming(context);
                        }
                    }
                    if (_filters.Length == 0)
                    {
                        await invoker.InvokeAsync(context, services).ConfigureAwait(false);
                    }
                    else
                    {
                        await InvokeFilteredAsync(0, invoker, context, services).ConfigureAwait(false);
                    }
                }
                finally
                {
                    await scope.DisposeAsync().ConfigureAwait(false);
                    context.Services = EmptyServiceProvider.Instance;
                }
                RecordOutcome(LogBusDiagnostics.Consumed, context, started);
                foreach (var observer in _runtime.Observers)
                {
                    observer.OnConsumed(context);
                }
                return true;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Abandon(context);
            }
            catch (Exception ex)
            {
                failure = ex;
            }

            LogBusDiagnostics.Fail(activity, failure);
            RecordOutcome(LogBusDiagnostics.Failed, context, started);
            if (failure is SagaInstanceNotFoundException)
            {
                // Retrying cannot create the instance: dead-letter (the saga asked for it) at once.
                var notFound = await _deadLetters.WriteAsync(context.Record, context.MessageId, context, "saga-instance-not-found", failure, attempt, cancellationToken).ConfigureAwait(false);
                return notFound || Abandon(context);
            }
            if (attempt > policy.Retries)
            {
                var written = await _deadLetters.WriteAsync(context.Record, context.MessageId, context, "handler-failed", failure, attempt, cancellationToken).ConfigureAwait(false);
                return written || Abandon(context);
            }
            if (singleAttempt)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure); // the transaction aborts; the caller retries
            }
            var delay = policy.GetDelay(attempt);
            Log.HandlerRetry(_runtime.Logger, failure, _registration.ConsumerType.Name, context.Topic, context.Partition, context.Offset, context.MessageId, attempt, delay);
            if (delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return Abandon(context);
                }
            }
        }
    }

    private Task InvokeFilteredAsync(int index, MessageInvoker invoker, MessageContext context, IServiceProvider services)
    {
        if (index == _filters.Length)
        {
            return invoker.InvokeAsync(context, services);
        }
        var filter = (IConsumeFilter)_filters[index](services, null);
        return filter.InvokeAsync(context, () => InvokeFilteredAsync(index + 1, invoker, context, services));
    }

    private void RecordOutcome(System.Diagnostics.Metrics.Counter<long> counter, MessageContext context, long started)
    {
        if (!counter.Enabled && !LogBusDiagnostics.HandlerDuration.Enabled)
        {
            return;
        }
        var tags = new TagList
        {
            { "messaging.destination.name", context.Topic },
            { "messaging.consumer.group.name", GroupId },
        };
        counter.Add(1, tags);
        if (started != 0)
        {
            LogBusDiagnostics.HandlerDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, tags);
        }
    }

    private bool Abandon(MessageContext context)
    {
        if (context.Attempt > 0)
        {
            foreach (var observer in _runtime.Observers)
            {
                observer.OnConsumeAbandoned(context);
            }
        }
        return false;
    }

    /// <summary>The message types of one topic this group handles.</summary>
    private sealed class TopicRoute
    {
        private readonly List<MessageInvoker> _invokers = [];

        public MessageInvoker? Single => _invokers.Count == 1 ? _invokers[0] : null;

        public int Partitions => _invokers.Max(i => i.Metadata.Partitions);

        public void Add(MessageInvoker invoker) => _invokers.Add(invoker);

        /// <summary>The invoker whose message-type name equals the header bytes (no decoding, no allocation).</summary>
        public MessageInvoker? Find(ReadOnlySpan<byte> typeName)
        {
            foreach (var invoker in _invokers)
            {
                if (typeName.SequenceEqual(invoker.Metadata.NameUtf8))
                {
                    return invoker;
                }
            }
            return null;
        }
    }
}

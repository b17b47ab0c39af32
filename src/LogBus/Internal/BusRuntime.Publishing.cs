using System.Text;
using LogBus.Transport;

namespace LogBus.Internal;

internal sealed partial class BusRuntime
{
    /// <summary>The metadata of a message's runtime type (an array index when it is the static type).</summary>
    public MessageMetadata ResolveMetadata<T>(T message)
    {
        var runtimeType = message!.GetType();
        return runtimeType == typeof(T) ? Registry.Get<T>() : Registry.Get(runtimeType);
    }

    /// <summary>
    /// Serializes a message and builds its record with the envelope, in per-thread buffers that the next
    /// call on this thread reuses: hand the record to the transport before publishing again. Throws
    /// <see cref="MessageSerializationException"/> here, on the caller's thread, so bad messages fail at
    /// Publish.
    /// </summary>
    public OutgoingMessage CreateMessage<T>(MessageMetadata metadata, T message, ConsumeContext? current,
        string? explicitKey, bool useExplicitKey, IReadOnlyDictionary<string, string>? headers, string? traceParent)
    {
        var value = EnvelopeWriter.ValueBuffer();
        var key = EnvelopeWriter.KeyBuffer();
        bool hasKey;
        Guid? correlationId;
        if (metadata is MessageMetadata<T> typed)
        {
            Serializer.Serialize(message, value);
            hasKey = useExplicitKey ? WriteKey(explicitKey, key) : typed.TryWriteKey(message, key);
            correlationId = MessageMetadata<T>.GetCorrelationId(message);
        }
        else
        {
            metadata.SerializeObject(Serializer, message!, value);
            hasKey = useExplicitKey ? WriteKey(explicitKey, key) : metadata.TryWriteKeyObject(message!, key);
            correlationId = metadata.GetCorrelationIdObject(message!);
        }

        var now = DateTimeOffset.UtcNow;
        var messageId = Uuid7.NewGuid(now.ToUnixTimeMilliseconds());
        var ids = new EnvelopeIds(
            messageId,
            correlationId ?? current?.CorrelationId,
            current?.MessageId,
            current is null ? messageId : current.ConversationId ?? current.MessageId);
        var record = EnvelopeWriter.Build(metadata, _contentType, ids, hasKey ? key.WrittenMemory : null, value.WrittenMemory,
            now, traceParent, headers);
        return new OutgoingMessage(record, metadata, messageId, message!);
    }

    private static bool WriteKey(string? key, System.Buffers.ArrayBufferWriter<byte> output)
    {
        if (key is null)
        {
            return false;
        }
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(key.Length));
        output.Advance(Encoding.UTF8.GetBytes(key, span));
        return true;
    }

    /// <summary>
    /// Sends a message to the scope's sink (outbox) or to the transport. Completes synchronously when the
    /// transport does.
    /// </summary>
    public ValueTask SendAsync(OutgoingMessage message, IPublishSink? sink, CancellationToken cancellationToken)
    {
        if (sink is not null)
        {
            // The sink may await before deciding; the record must outlive this thread's next publish.
            return SendThroughSinkAsync(RecordCopy.Detach(message), sink, cancellationToken);
        }
        if (!IsStarted || message.Metadata.HasPendingSlowSends || !message.Metadata.EnsureTopicAsync(_ensureMetadataTopic).IsCompletedSuccessfully)
        {
            // First publish of a topic (or before start): awaits, so the record leaves the per-thread buffers.
            // While earlier slow sends of the type are pending, later ones queue behind them (call order).
            return SendSlowAsync(RecordCopy.Detach(message), cancellationToken);
        }
        return ProduceAsync(message, cancellationToken);
    }

    private Task EnsureMetadataTopic(MessageMetadata metadata) => EnsureTopicAsync(metadata.Topic, metadata.Partitions, CancellationToken.None);

    private async ValueTask SendThroughSinkAsync(OutgoingMessage message, IPublishSink sink, CancellationToken cancellationToken)
    {
        if (!await sink.TryAcceptAsync(message, cancellationToken).ConfigureAwait(false))
        {
            await SendAsync(message, null, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask SendSlowAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        // Continuations of the many sends waiting for one topic run in no particular order (thread-pool
        // queues are LIFO per thread): each send hands its record to the transport only after the
        // previous slow send of the type did, so records keep call order (same key, same order).
        var (previous, issued) = message.Metadata.EnterSlowSend();
        ValueTask produce;
        try
        {
            await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
            await message.Metadata.EnsureTopicAsync(_ensureMetadataTopic).WaitAsync(cancellationToken).ConfigureAwait(false);
            await previous.ConfigureAwait(false);
            produce = ProduceAsync(message, cancellationToken);
        }
        finally
        {
            message.Metadata.ExitSlowSend(issued);
        }
        await produce.ConfigureAwait(false);
    }

    /// <summary>Appends a record to the log with observers and metrics; the topic must exist.</summary>
    public ValueTask ProduceAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        foreach (var observer in Observers)
        {
            observer.OnPublishing(message);
        }
        ValueTask<DeliveryResult> task;
        try
        {
            task = ExactlyOnceContext.Resolve(Transport.Producer).ProduceAsync(message.Record, cancellationToken);
        }
        catch (Exception ex)
        {
            OnPublishFailed(message, ex);
            throw;
        }
        if (task.IsCompletedSuccessfully)
        {
            OnPublished(message, task.Result);
            return default;
        }
        return AwaitProduceAsync(task, message);
    }

    private async ValueTask AwaitProduceAsync(ValueTask<DeliveryResult> task, OutgoingMessage message)
    {
        DeliveryResult result;
        try
        {
            result = await task.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            OnPublishFailed(message, ex);
            throw;
        }
        OnPublished(message, result);
    }

    private void OnPublished(in OutgoingMessage message, DeliveryResult result)
    {
        LogBusDiagnostics.Published.Add(1, new KeyValuePair<string, object?>("messaging.destination.name", message.Record.Topic));
        foreach (var observer in Observers)
        {
            observer.OnPublished(message, result);
        }
    }

    private void OnPublishFailed(in OutgoingMessage message, Exception exception)
    {
        LogBusDiagnostics.PublishFailed.Add(1, new KeyValuePair<string, object?>("messaging.destination.name", message.Record.Topic));
        foreach (var observer in Observers)
        {
            observer.OnPublishFailed(message, exception);
        }
    }
}

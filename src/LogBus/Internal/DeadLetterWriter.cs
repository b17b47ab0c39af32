using System.Globalization;
using System.Text;
using LogBus.Transport;

namespace LogBus.Internal;

/// <summary>
/// Moves records a group gives up on to the dead-letter topic: original key, value and headers plus
/// failure headers. A dead letter is written before the source offset completes, and writing is retried
/// until it succeeds or the consumer stops, so a failed message is never silently lost.
/// </summary>
internal sealed class DeadLetterWriter(BusRuntime runtime, ConsumerOptions options, string groupId)
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    /// <summary>Writes (or, with dead-lettering off, logs and skips) a failed record. Returns false when cancelled first.</summary>
    public async ValueTask<bool> WriteAsync(LogRecord record, Guid messageId, ConsumeContext? context, string reason, Exception? exception,
        int attempts, CancellationToken cancellationToken)
    {
        var tags = new KeyValuePair<string, object?>("messaging.destination.name", record.Topic);
        if (!options.DeadLetter)
        {
            Log.FailedSkipped(runtime.Logger, exception, messageId, record.Topic, record.Partition, record.Offset, groupId, reason);
            LogBusDiagnostics.DeadLettered.Add(1, tags);
            Notify(record, messageId, context, exception, reason);
            return true;
        }

        var topic = options.DeadLetterTopic(record.Topic);
        var outgoing = new OutgoingRecord(topic, record.Key, record.Value, BuildHeaders(record, reason, exception, attempts));
        var backoff = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                var partitions = await runtime.EnsureTopicAsync(record.Topic, 1, cancellationToken).ConfigureAwait(false);
                await runtime.EnsureTopicAsync(topic, partitions, cancellationToken).ConfigureAwait(false);
                await ExactlyOnceContext.Resolve(runtime.Transport.Producer).ProduceAsync(outgoing, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception ex)
            {
                Log.DeadLetterRetry(runtime.Logger, ex, messageId, topic, backoff);
                try
                {
                    await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
        Log.DeadLettered(runtime.Logger, exception, messageId, record.Topic, record.Partition, record.Offset, topic, groupId, reason);
        LogBusDiagnostics.DeadLettered.Add(1, tags);
        Notify(record, messageId, context, exception, reason);
        return true;
    }

    private void Notify(LogRecord record, Guid messageId, ConsumeContext? context, Exception? exception, string reason)
    {
        foreach (var observer in runtime.Observers)
        {
            observer.OnFaulted(groupId, record, messageId, context, exception, reason);
        }
    }

    private RecordHeaders BuildHeaders(LogRecord record, string reason, Exception? exception, int attempts)
    {
        var original = record.Headers.AsSpan();
        var headers = new RecordHeader[original.Length + 9];
        var n = 0;
        foreach (var header in original)
        {
            // A message dead-lettered twice (re-driven, failed again) keeps only the latest failure.
            if (!header.Key.StartsWith("failure-", StringComparison.Ordinal))
            {
                headers[n++] = header;
            }
        }
        headers[n++] = Text(HeaderNames.FailureReason, reason);
        if (exception is not null)
        {
            headers[n++] = Text(HeaderNames.FailureExceptionType, exception.GetType().FullName ?? exception.GetType().Name);
            headers[n++] = Text(HeaderNames.FailureExceptionMessage, exception.Message);
        }
        headers[n++] = Text(HeaderNames.FailureAttempts, attempts.ToString(CultureInfo.InvariantCulture));
        headers[n++] = Text(HeaderNames.FailureSourceTopic, record.Topic);
        headers[n++] = Text(HeaderNames.FailureSourcePartition, record.Partition.ToString(CultureInfo.InvariantCulture));
        headers[n++] = Text(HeaderNames.FailureSourceOffset, record.Offset.ToString(CultureInfo.InvariantCulture));
        headers[n++] = Text(HeaderNames.FailureConsumerGroup, groupId);
        headers[n++] = Text(HeaderNames.FailureAt, DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        return new RecordHeaders(headers, n);
    }

    private static RecordHeader Text(string name, string value) => new(name, Encoding.UTF8.GetBytes(value));
}

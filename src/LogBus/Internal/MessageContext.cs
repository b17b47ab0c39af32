using System.Text;
using LogBus.Transport;
using Microsoft.Extensions.DependencyInjection;

namespace LogBus.Internal;

/// <summary>The implementation of <see cref="ConsumeContext"/> for a consumed record.</summary>
internal abstract class MessageContext : ConsumeContext
{
    private string? _key;
    private bool _keyDecoded;
    private DateTimeOffset? _sentTime;
    private bool _sentTimeParsed;

    protected MessageContext(LogRecord record, Guid messageId, string messageType, string groupId)
    {
        Record = record;
        MessageId = messageId;
        MessageType = messageType;
        GroupId = groupId;
        CorrelationId = EnvelopeReader.TryGetGuid(record.Headers, HeaderNames.CorrelationId);
        CausationId = EnvelopeReader.TryGetGuid(record.Headers, HeaderNames.CausationId);
        ConversationId = EnvelopeReader.TryGetGuid(record.Headers, HeaderNames.ConversationId);
    }

    public LogRecord Record { get; }

    /// <inheritdoc />
    public Guid MessageId { get; }

    /// <inheritdoc />
    public Guid? CorrelationId { get; }

    /// <inheritdoc />
    public Guid? CausationId { get; }

    /// <inheritdoc />
    public Guid? ConversationId { get; }

    /// <inheritdoc />
    public string MessageType { get; }

    /// <inheritdoc />
    public DateTimeOffset? SentTime
    {
        get
        {
            if (!_sentTimeParsed)
            {
                _sentTime = EnvelopeReader.SentAt(Record.Headers);
                _sentTimeParsed = true;
            }
            return _sentTime;
        }
    }

    /// <inheritdoc />
    public RecordHeaders Headers => Record.Headers;

    /// <inheritdoc />
    public string Topic => Record.Topic;

    /// <inheritdoc />
    public int Partition => Record.Partition;

    /// <inheritdoc />
    public long Offset => Record.Offset;

    /// <inheritdoc />
    public DateTimeOffset Timestamp => Record.Timestamp;

    /// <inheritdoc />
    public string? Key
    {
        get
        {
            if (!_keyDecoded)
            {
                _key = Record.Key is { } key ? Encoding.UTF8.GetString(key.Span) : null;
                _keyDecoded = true;
            }
            return _key;
        }
    }

    /// <inheritdoc />
    public string GroupId { get; }

    /// <inheritdoc />
    public int Attempt { get; set; }

    /// <inheritdoc />
    public CancellationToken CancellationToken { get; set; }

    /// <inheritdoc />
    public IServiceProvider Services { get; set; } = EmptyServiceProvider.Instance;

    /// <inheritdoc />
    public abstract object MessageObject { get; }

    /// <inheritdoc />
    public Task Publish<TOut>(TOut message, CancellationToken cancellationToken = default) =>
        Services.GetRequiredService<IPublisher>().Publish(message, cancellationToken);

    /// <inheritdoc />
    public Task Publish<TOut>(TOut message, string? key, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default) =>
        Services.GetRequiredService<IPublisher>().Publish(message, key, headers, cancellationToken);
}

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

    private Guid _messageId;
    private Guid? _correlationId;
    private Guid? _causationId;
    private Guid? _conversationId;
    private int _parsed; // bit 1: message id, 2: correlation, 4: causation, 8: conversation

    protected MessageContext(LogRecord record, string messageType, string groupId)
    {
        Record = record;
        MessageType = messageType;
        GroupId = groupId;
    }

    public LogRecord Record { get; }

    // Envelope ids are parsed on first use: most handlers never read them.

    /// <inheritdoc />
    public Guid MessageId
    {
        get
        {
            if ((_parsed & 1) == 0)
            {
                _messageId = EnvelopeReader.MessageId(Record);
                _parsed |= 1;
            }
            return _messageId;
        }
    }

    /// <inheritdoc />
    public Guid? CorrelationId => Parse(ref _correlationId, 2, HeaderNames.CorrelationId);

    /// <inheritdoc />
    public Guid? CausationId => Parse(ref _causationId, 4, HeaderNames.CausationId);

    /// <inheritdoc />
    public Guid? ConversationId => Parse(ref _conversationId, 8, HeaderNames.ConversationId);

    private Guid? Parse(ref Guid? field, int bit, string header)
    {
        if ((_parsed & bit) == 0)
        {
            field = EnvelopeReader.TryGetGuid(Record.Headers, header);
            _parsed |= bit;
        }
        return field;
    }

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
        PublishCaused(message, null, useKey: false, null, cancellationToken);

    /// <inheritdoc />
    public Task Publish<TOut>(TOut message, string? key, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default) =>
        PublishCaused(message, key, useKey: true, headers, cancellationToken);

    private Task PublishCaused<TOut>(TOut message, string? key, bool useKey, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        var publisher = Services.GetRequiredService<IPublisher>();
        return publisher is ScopedPublisher scoped
            ? scoped.PublishCaused(message, this, key, useKey, headers, cancellationToken)
            : useKey ? publisher.Publish(message, key, headers, cancellationToken) : publisher.Publish(message, cancellationToken);
    }
}

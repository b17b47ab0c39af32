using LogBus.Protocol.Records;

namespace LogBus.Transport.Kafka.Client;

/// <summary>Settings of <see cref="KafkaProducer"/>; names follow Kafka's producer configuration.</summary>
public sealed class KafkaProducerOptions : KafkaClientOptions
{
    /// <summary>Acknowledgements each produce request waits for (<c>acks</c>).</summary>
    /// <remarks>Defaults to <see cref="Acks.All"/>.</remarks>
    public Acks Acks { get; set; } = Acks.All;

    /// <summary>
    /// Idempotent producing (<c>enable.idempotence</c>): the broker drops duplicates of retried batches by
    /// producer id and sequence number, so retries add no duplicates. Requires <see cref="Acks.All"/>.
    /// </summary>
    /// <remarks>Defaults to true.</remarks>
    public bool EnableIdempotence { get; set; } = true;

    /// <summary>How long a partition's batch waits for more records before it is sent (<c>linger.ms</c>).</summary>
    /// <remarks>Defaults to 5 milliseconds.</remarks>
    public TimeSpan Linger { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Target size of one partition's record batch in bytes (<c>batch.size</c>); a full batch is sent at once.</summary>
    /// <remarks>Defaults to 64 KiB.</remarks>
    public int BatchSize { get; set; } = 64 * 1024;

    /// <summary>Largest produce request, and so the largest record (<c>max.request.size</c>).</summary>
    /// <remarks>Defaults to 1 MiB.</remarks>
    public int MaxRequestSize { get; set; } = 1024 * 1024;

    /// <summary>
    /// Bytes of records buffered and in flight (<c>buffer.memory</c>). When full, produce calls wait
    /// (after copying their record) until acknowledged batches free space.
    /// </summary>
    /// <remarks>Defaults to 32 MiB.</remarks>
    public long BufferMemory { get; set; } = 32L * 1024 * 1024;

    /// <summary>Produce requests in flight per broker connection (<c>max.in.flight.requests.per.connection</c>); order per partition is kept regardless.</summary>
    /// <remarks>Defaults to 5.</remarks>
    public int MaxInFlightRequestsPerConnection { get; set; } = 5;

    /// <summary>Upper bound on the time from a produce call to its result, retries included (<c>delivery.timeout.ms</c>).</summary>
    /// <remarks>Defaults to 2 minutes.</remarks>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>First wait before retrying a failed batch; doubles per attempt up to 1 second (<c>retry.backoff.ms</c>).</summary>
    /// <remarks>Defaults to 100 milliseconds.</remarks>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Compression of record batches (<c>compression.type</c>): none or gzip.</summary>
    /// <remarks>Defaults to <see cref="CompressionCodec.None"/>.</remarks>
    public CompressionCodec Compression { get; set; } = CompressionCodec.None;

    /// <summary>How long a produce call waits for an unknown topic to appear in the metadata before failing.</summary>
    /// <remarks>Defaults to 10 seconds.</remarks>
    public TimeSpan MetadataWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Makes the producer transactional (Kafka's <c>transactional.id</c>): records are produced inside
    /// transactions (<see cref="KafkaProducer.BeginTransaction"/>, <see cref="KafkaProducer.CommitTransactionAsync"/>,
    /// <see cref="KafkaProducer.AbortTransactionAsync"/>). A new producer with the same id fences older
    /// instances. Requires idempotence.
    /// </summary>
    /// <remarks>Defaults to null (not transactional).</remarks>
    public string? TransactionalId { get; set; }

    /// <summary>How long the broker lets a transaction stay open before aborting it (and fencing this producer).</summary>
    /// <remarks>Defaults to 60 seconds (as Kafka's clients).</remarks>
    public TimeSpan TransactionTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        if (EnableIdempotence && Acks != Acks.All)
        {
            throw new ArgumentException("EnableIdempotence requires Acks.All (as in Kafka); set Acks = Acks.All or EnableIdempotence = false.", nameof(EnableIdempotence));
        }
        if (TransactionalId is not null && (!EnableIdempotence || TransactionalId.Length == 0))
        {
            throw new ArgumentException("A transactional producer needs a non-empty TransactionalId and EnableIdempotence = true.", nameof(TransactionalId));
        }
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(TransactionTimeout, TimeSpan.Zero, nameof(TransactionTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(Linger, TimeSpan.Zero, nameof(Linger));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1024, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRequestSize, BatchSize, nameof(MaxRequestSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(BufferMemory, MaxRequestSize, nameof(BufferMemory));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInFlightRequestsPerConnection, 1, nameof(MaxInFlightRequestsPerConnection));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DeliveryTimeout, TimeSpan.Zero, nameof(DeliveryTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryBackoff, TimeSpan.Zero, nameof(RetryBackoff));
        if (Compression is not (CompressionCodec.None or CompressionCodec.Gzip))
        {
            throw new ArgumentException($"Compression {Compression} is not available; use None or Gzip.", nameof(Compression));
        }
    }
}

namespace LogBus.Protocol.Records;

/// <summary>Compression codecs of record batches, with their Kafka attribute numbers.</summary>
public enum CompressionCodec
{
    /// <summary>Uncompressed.</summary>
    None = 0,
    /// <summary>gzip (RFC 1952).</summary>
    Gzip = 1,
    /// <summary>Snappy (xerial framing).</summary>
    Snappy = 2,
    /// <summary>LZ4 frame format.</summary>
    Lz4 = 3,
    /// <summary>Zstandard.</summary>
    Zstd = 4,
}

using System.Buffers;

namespace LogBus.Protocol.Records;

/// <summary>
/// A record batch compression codec, pluggable through <see cref="CompressionProviders.Register"/>.
/// The codec covers the records section of a batch (everything after the 61-byte header).
/// </summary>
/// <remarks>
/// Implementations must be thread-safe (one instance serves every batch). <see cref="Decompress"/>
/// must stop with a <see cref="KafkaProtocolException"/> as soon as the output would exceed
/// <c>maxDecompressedSize</c> (decompression bombs) and translate every failure on corrupt input into
/// <see cref="KafkaProtocolException"/>.
/// </remarks>
public interface ICompressionProvider
{
    /// <summary>The codec this provider implements.</summary>
    CompressionCodec Codec { get; }

    /// <summary>Compresses <paramref name="source"/> and appends the result to <paramref name="destination"/>.</summary>
    void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination);

    /// <summary>
    /// Decompresses <paramref name="source"/> and appends the result to <paramref name="destination"/>,
    /// writing at most <paramref name="maxDecompressedSize"/> bytes.
    /// </summary>
    void Decompress(ReadOnlyMemory<byte> source, IBufferWriter<byte> destination, int maxDecompressedSize);
}

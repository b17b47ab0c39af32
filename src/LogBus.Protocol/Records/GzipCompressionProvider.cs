using System.Buffers;
using System.IO.Compression;
using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Records;

/// <summary>gzip (codec 1) with <see cref="GZipStream"/>. Reads concatenated gzip members as one stream.</summary>
public sealed class GzipCompressionProvider : ICompressionProvider
{
    /// <summary>Creates a provider.</summary>
    /// <param name="level">Compression level for producers. Defaults to <see cref="CompressionLevel.Fastest"/>.</param>
    public GzipCompressionProvider(CompressionLevel level = CompressionLevel.Fastest) => Level = level;

    /// <summary>The compression level used by <see cref="Compress"/>.</summary>
    public CompressionLevel Level { get; }

    /// <inheritdoc/>
    public CompressionCodec Codec => CompressionCodec.Gzip;

    /// <inheritdoc/>
    public void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        using var output = new BufferWriterStream(destination);
        using (var gzip = new GZipStream(output, Level, leaveOpen: true))
        {
            gzip.Write(source);
        }
    }

    /// <inheritdoc/>
    public void Decompress(ReadOnlyMemory<byte> source, IBufferWriter<byte> destination, int maxDecompressedSize)
    {
        ArgumentNullException.ThrowIfNull(destination);
        try
        {
            using var input = new ReadOnlyMemoryStream(source);
            using var gzip = new GZipStream(input, CompressionMode.Decompress);
            var total = 0L;
            while (true)
            {
                var span = destination.GetSpan(16 * 1024);
                var n = gzip.Read(span);
                if (n == 0)
                {
                    return;
                }
                total += n;
                if (total > maxDecompressedSize)
                {
                    throw new KafkaProtocolException(
                        $"gzip records decompress to more than {maxDecompressedSize} bytes.", ErrorCode.CorruptMessage);
                }
                destination.Advance(n);
            }
        }
        catch (KafkaProtocolException)
        {
            throw;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or InvalidOperationException or ArgumentException)
        {
            // Corrupt input surfaces from GZipStream as InvalidDataException (sometimes IOException);
            // the codec boundary translates it into the protocol's own exception.
            throw new KafkaProtocolException($"Corrupt gzip records: {ex.Message}", ErrorCode.CorruptMessage, ex);
        }
    }
}

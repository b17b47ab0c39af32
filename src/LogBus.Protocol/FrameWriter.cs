using System.Buffers;
using LogBus.Protocol.Messages;

namespace LogBus.Protocol;

/// <summary>
/// Writes whole frames (size prefix, header, body) straight into an <see cref="IBufferWriter{T}"/>.
/// The message is measured first (a counting pass with no output) so the exact size is written up
/// front: no back-patching, no intermediate copy, works with a <c>PipeWriter</c>. Write into a
/// <see cref="SegmentedBufferWriter"/> to splice external record regions (zero-copy Fetch).
/// </summary>
public static class FrameWriter
{
    /// <summary>Writes a request frame; the header's API key and version select the body's encoding. Returns the bytes written.</summary>
    public static long WriteRequest(IBufferWriter<byte> output, RequestHeader header, KafkaRequest request)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(request);
        if (header.ApiKey != request.ApiKey)
        {
            throw new ArgumentException($"Header API key {header.ApiKey} does not match the body's {request.ApiKey}.", nameof(header));
        }
        var measure = KafkaWriter.CreateMeasuring();
        header.Write(ref measure);
        request.Write(ref measure, header.ApiVersion);
        var size = CheckedSize(measure.Position);

        var writer = new KafkaWriter(output);
        writer.WriteInt32(size);
        header.Write(ref writer);
        request.Write(ref writer, header.ApiVersion);
        writer.Flush();
        return Verify(writer.Position, size);
    }

    /// <summary>Writes a response frame with the header version the API and version call for. Returns the bytes written.</summary>
    public static long WriteResponse(IBufferWriter<byte> output, int correlationId, KafkaResponse response, short version)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(response);
        var headerVersion = ApiVersionTable.ResponseHeaderVersion(response.ApiKey, version);
        var header = new ResponseHeader { CorrelationId = correlationId };
        var measure = KafkaWriter.CreateMeasuring();
        header.Write(ref measure, headerVersion);
        response.Write(ref measure, version);
        var size = CheckedSize(measure.Position);

        var writer = new KafkaWriter(output);
        writer.WriteInt32(size);
        header.Write(ref writer, headerVersion);
        response.Write(ref writer, version);
        writer.Flush();
        return Verify(writer.Position, size);
    }

    private static int CheckedSize(long size) =>
        size <= int.MaxValue ? (int)size : throw new InvalidOperationException($"A frame of {size} bytes does not fit the int32 size prefix.");

    private static long Verify(long written, int size)
    {
        // The measuring pass and the writing pass run the same code; a mismatch is a codec bug.
        if (written != (long)size + FrameReader.PrefixSize)
        {
            throw new InvalidOperationException($"Frame size mismatch: measured {size}, wrote {written - FrameReader.PrefixSize}.");
        }
        return written;
    }
}

using System.Buffers.Binary;

namespace LogBus.Broker.Cluster;

/// <summary>Frame reading for the controller protocol (<see cref="ControllerFrames"/>).</summary>
internal static class ControllerStreams
{
    /// <summary>Reads one frame body (frame type byte first); null at a clean end of stream.</summary>
    /// <exception cref="InvalidDataException">The length prefix is out of range.</exception>
    /// <exception cref="EndOfStreamException">The stream ended inside a frame.</exception>
    public static async ValueTask<byte[]?> ReadFrameAsync(Stream stream, byte[] header, CancellationToken cancellationToken)
    {
        var read = await stream.ReadAtLeastAsync(header.AsMemory(0, 4), 4, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return null;
        }

        if (read < 4)
        {
            throw new EndOfStreamException("Controller connection closed inside a frame header.");
        }

        var size = BinaryPrimitives.ReadInt32BigEndian(header);
        if (size < 1 || size > ControllerFrames.MaxFrameSize)
        {
            throw new InvalidDataException($"Controller frame of {size} bytes is out of range.");
        }

        var body = new byte[size];
        await stream.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        return body;
    }
}

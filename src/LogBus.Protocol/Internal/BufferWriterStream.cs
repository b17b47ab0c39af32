using System.Buffers;

namespace LogBus.Protocol.Internal;

/// <summary>A write-only stream that appends to an <see cref="IBufferWriter{T}"/>, for compressors.</summary>
internal sealed class BufferWriterStream : Stream
{
    private readonly IBufferWriter<byte> _output;
    private long _written;

    public BufferWriterStream(IBufferWriter<byte> output) => _output = output;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _written;

    public override long Position
    {
        get => _written;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _output.Write(buffer);
        _written += buffer.Length;
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}

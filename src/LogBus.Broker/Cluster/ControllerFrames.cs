using System.Buffers.Binary;
using LogBus.Broker.Cluster.Raft;

namespace LogBus.Broker.Cluster;

/// <summary>
/// The internal protocol of the controller listener (not Kafka): frames of
/// <c>[int32 length][byte frame type][body]</c>, big endian. Frame types: 1 = Raft message (one way),
/// 2 = request <c>[int32 correlation][byte request type][payload]</c>, 3 = response
/// <c>[int32 correlation][byte status][payload]</c>. Raft messages are idempotent and may be lost, so
/// the transport never retries them; requests are retried by the caller.
/// </summary>
internal static class ControllerFrames
{
    /// <summary>Largest accepted frame (a snapshot of the metadata image must fit).</summary>
    public const int MaxFrameSize = 64 * 1024 * 1024;

    /// <summary>Frame type of a Raft message.</summary>
    public const byte RaftFrame = 1;

    /// <summary>Frame type of a request.</summary>
    public const byte RequestFrame = 2;

    /// <summary>Frame type of a response.</summary>
    public const byte ResponseFrame = 3;

    /// <summary>Encodes a whole frame (length prefix included) carrying a Raft message.</summary>
    public static byte[] EncodeRaft(RaftMessage m)
    {
        var size = 1 + 1 + 4 + 4 + 8 * 5 + 1 + 4 + 1;
        foreach (var e in m.Entries)
        {
            size += 8 + 8 + 4 + e.Data.Length;
        }

        if (m.Snapshot is { } s)
        {
            size += 8 + 8 + 4 + s.Data.Length;
        }

        var frame = new byte[4 + size];
        var w = new SpanWriter(frame);
        w.Int32(size);
        w.Byte(RaftFrame);
        w.Byte((byte)m.Kind);
        w.Int32(m.From);
        w.Int32(m.To);
        w.Int64(m.Term);
        w.Int64(m.LogIndex);
        w.Int64(m.LogTerm);
        w.Int64(m.Commit);
        w.Int64(m.RejectHint);
        w.Byte(m.Success ? (byte)1 : (byte)0);
        w.Int32(m.Entries.Count);
        foreach (var e in m.Entries)
        {
            w.Int64(e.Index);
            w.Int64(e.Term);
            w.Bytes(e.Data);
        }

        w.Byte(m.Snapshot is null ? (byte)0 : (byte)1);
        if (m.Snapshot is { } snapshot)
        {
            w.Int64(snapshot.Index);
            w.Int64(snapshot.Term);
            w.Bytes(snapshot.Data);
        }

        return frame;
    }

    /// <summary>Decodes the body of a Raft frame (after the frame type byte); null when malformed.</summary>
    public static RaftMessage? DecodeRaft(ReadOnlySpan<byte> body)
    {
        var r = new SpanReader(body);
        if (!r.Byte(out var kind) || !r.Int32(out var from) || !r.Int32(out var to) || !r.Int64(out var term)
            || !r.Int64(out var logIndex) || !r.Int64(out var logTerm) || !r.Int64(out var commit) || !r.Int64(out var hint)
            || !r.Byte(out var success) || !r.Int32(out var count) || count < 0 || count > body.Length)
        {
            return null;
        }

        var entries = new RaftEntry[count];
        for (var i = 0; i < count; i++)
        {
            if (!r.Int64(out var index) || !r.Int64(out var entryTerm) || !r.Bytes(out var data))
            {
                return null;
            }

            entries[i] = new RaftEntry(index, entryTerm, data);
        }

        RaftSnapshot? snapshot = null;
        if (!r.Byte(out var hasSnapshot))
        {
            return null;
        }

        if (hasSnapshot == 1)
        {
            if (!r.Int64(out var index) || !r.Int64(out var snapshotTerm) || !r.Bytes(out var data))
            {
                return null;
            }

            snapshot = new RaftSnapshot(index, snapshotTerm, data);
        }

        if (!Enum.IsDefined((RaftMessageKind)kind))
        {
            return null;
        }

        return new RaftMessage
        {
            Kind = (RaftMessageKind)kind,
            From = from,
            To = to,
            Term = term,
            LogIndex = logIndex,
            LogTerm = logTerm,
            Commit = commit,
            RejectHint = hint,
            Success = success == 1,
            Entries = entries,
            Snapshot = snapshot,
        };
    }

    /// <summary>Encodes a request or response frame.</summary>
    public static byte[] EncodeCall(byte frameType, int correlation, byte code, ReadOnlySpan<byte> payload)
    {
        var size = 1 + 4 + 1 + payload.Length;
        var frame = new byte[4 + size];
        BinaryPrimitives.WriteInt32BigEndian(frame, size);
        frame[4] = frameType;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), correlation);
        frame[9] = code;
        payload.CopyTo(frame.AsSpan(10));
        return frame;
    }

    private ref struct SpanWriter(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;
        private int _position;

        public void Byte(byte value) => _buffer[_position++] = value;

        public void Int32(int value)
        {
            BinaryPrimitives.WriteInt32BigEndian(_buffer[_position..], value);
            _position += 4;
        }

        public void Int64(long value)
        {
            BinaryPrimitives.WriteInt64BigEndian(_buffer[_position..], value);
            _position += 8;
        }

        public void Bytes(byte[] value)
        {
            Int32(value.Length);
            value.CopyTo(_buffer[_position..]);
            _position += value.Length;
        }
    }

    private ref struct SpanReader(ReadOnlySpan<byte> buffer)
    {
        private readonly ReadOnlySpan<byte> _buffer = buffer;
        private int _position;

        public bool Byte(out byte value)
        {
            value = 0;
            if (_position + 1 > _buffer.Length)
            {
                return false;
            }

            value = _buffer[_position++];
            return true;
        }

        public bool Int32(out int value)
        {
            value = 0;
            if (_position + 4 > _buffer.Length)
            {
                return false;
            }

            value = BinaryPrimitives.ReadInt32BigEndian(_buffer[_position..]);
            _position += 4;
            return true;
        }

        public bool Int64(out long value)
        {
            value = 0;
            if (_position + 8 > _buffer.Length)
            {
                return false;
            }

            value = BinaryPrimitives.ReadInt64BigEndian(_buffer[_position..]);
            _position += 8;
            return true;
        }

        public bool Bytes(out byte[] value)
        {
            value = [];
            if (!Int32(out var length) || length < 0 || _position + length > _buffer.Length)
            {
                return false;
            }

            value = _buffer.Slice(_position, length).ToArray();
            _position += length;
            return true;
        }
    }
}

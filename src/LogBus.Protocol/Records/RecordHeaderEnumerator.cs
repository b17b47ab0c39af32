namespace LogBus.Protocol.Records;

/// <summary>Lazily parses the headers of one record; nothing is parsed until <see cref="MoveNext"/>.</summary>
public ref struct RecordHeaderEnumerator
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;
    private int _remaining;

    internal RecordHeaderEnumerator(ReadOnlySpan<byte> data, int count)
    {
        _data = data;
        _position = 0;
        _remaining = count;
        Current = default;
    }

    /// <summary>The current header.</summary>
    public RecordHeader Current { get; private set; }

    /// <summary>For <c>foreach</c>.</summary>
    public readonly RecordHeaderEnumerator GetEnumerator() => this;

    /// <summary>Parses the next header; throws <see cref="KafkaProtocolException"/> when malformed.</summary>
    public bool MoveNext()
    {
        if (_remaining <= 0)
        {
            return false;
        }
        _remaining--;
        var keyLength = ReadLength();
        if (keyLength < 0)
        {
            throw new KafkaProtocolException("Record header key is null.");
        }
        var key = Take(keyLength);
        var valueLength = ReadLength();
        var value = valueLength < 0 ? default : Take(valueLength);
        Current = new RecordHeader(key, value, valueLength < 0);
        return true;
    }

    private int ReadLength()
    {
        var n = VarInt.ReadVarInt(_data[_position..], out var length);
        if (n <= 0 || length < -1)
        {
            throw new KafkaProtocolException("Malformed record header length.");
        }
        _position += n;
        return length;
    }

    private ReadOnlySpan<byte> Take(int length)
    {
        if (length > _data.Length - _position)
        {
            throw new KafkaProtocolException("Record header runs past the end of its record.");
        }
        var s = _data.Slice(_position, length);
        _position += length;
        return s;
    }
}

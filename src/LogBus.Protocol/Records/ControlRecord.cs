using System.Buffers.Binary;

namespace LogBus.Protocol.Records;

/// <summary>
/// A transaction marker: the only record of a control batch. Key: version int16 (0) + type int16.
/// Value: version int16 (0) + coordinator epoch int32.
/// </summary>
/// <param name="Type">Commit or abort.</param>
/// <param name="CoordinatorEpoch">The transaction coordinator's epoch.</param>
public readonly record struct ControlRecord(ControlRecordType Type, int CoordinatorEpoch)
{
    /// <summary>Size of the key.</summary>
    public const int KeySize = 4;

    /// <summary>Size of the value.</summary>
    public const int ValueSize = 6;

    /// <summary>Writes the key into the first 4 bytes of <paramref name="destination"/>.</summary>
    public void WriteKey(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt16BigEndian(destination, 0);
        BinaryPrimitives.WriteInt16BigEndian(destination[2..], (short)Type);
    }

    /// <summary>Writes the value into the first 6 bytes of <paramref name="destination"/>.</summary>
    public void WriteValue(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt16BigEndian(destination, 0);
        BinaryPrimitives.WriteInt32BigEndian(destination[2..], CoordinatorEpoch);
    }

    /// <summary>
    /// Parses a control record from its key and value. False when the key is shorter than 4 bytes or
    /// its version is not 0. The value is optional for parsing the type (Kafka readers tolerate its
    /// absence); the coordinator epoch is -1 when the value is shorter than 6 bytes.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, out ControlRecord record)
    {
        record = default;
        if (key.Length < KeySize || BinaryPrimitives.ReadInt16BigEndian(key) != 0)
        {
            return false;
        }
        var type = (ControlRecordType)BinaryPrimitives.ReadInt16BigEndian(key[2..]);
        var epoch = value.Length >= ValueSize ? BinaryPrimitives.ReadInt32BigEndian(value[2..]) : -1;
        record = new ControlRecord(type, epoch);
        return true;
    }
}

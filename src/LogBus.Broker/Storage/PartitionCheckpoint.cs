using System.Buffers.Binary;

namespace LogBus.Broker.Storage;

/// <summary>
/// The durable per-partition offsets, <c>partition.checkpoint</c>: log start offset, recovery point
/// (the offset below which everything was fsynced, so recovery may skip it) and high watermark. Written atomically (temp,
/// fsync, rename) with a CRC; a missing or corrupt file reads as "unknown", which only makes recovery
/// scan the whole log.
/// </summary>
internal static class PartitionCheckpoint
{
    /// <summary>File name inside the partition directory.</summary>
    public const string FileName = "partition.checkpoint";

    private const uint Magic = 0x4C42_5043; // "LBPC"
    private const short Version = 1;
    private const int Length = 4 + 2 + 8 + 8 + 8 + 4;

    /// <summary>Reads the checkpoint; false when missing or not intact.</summary>
    public static bool TryRead(string directory, out long logStartOffset, out long recoveryPoint, out long highWatermark)
    {
        logStartOffset = 0;
        recoveryPoint = 0;
        highWatermark = 0;
        var path = Path.Combine(directory, FileName);
        byte[] bytes;
        try
        {
            if (!File.Exists(path))
            {
                return false;
            }
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(path, $"cannot read partition checkpoint: {e.Message}", e);
        }
        if (bytes.Length != Length || BinaryPrimitives.ReadUInt32BigEndian(bytes) != Magic
            || BinaryPrimitives.ReadInt16BigEndian(bytes.AsSpan(4)) != Version
            || LogBus.Protocol.Crc32C.Compute(bytes.AsSpan(0, Length - 4)) != BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(Length - 4)))
        {
            return false;
        }
        logStartOffset = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(6));
        recoveryPoint = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(14));
        highWatermark = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(22));
        return logStartOffset >= 0 && recoveryPoint >= 0 && highWatermark >= 0;
    }

    /// <summary>Writes the checkpoint durably.</summary>
    public static void Write(string directory, long logStartOffset, long recoveryPoint, long highWatermark)
    {
        Span<byte> bytes = stackalloc byte[Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, Magic);
        BinaryPrimitives.WriteInt16BigEndian(bytes[4..], Version);
        BinaryPrimitives.WriteInt64BigEndian(bytes[6..], logStartOffset);
        BinaryPrimitives.WriteInt64BigEndian(bytes[14..], recoveryPoint);
        BinaryPrimitives.WriteInt64BigEndian(bytes[22..], highWatermark);
        BinaryPrimitives.WriteUInt32BigEndian(bytes[(Length - 4)..], LogBus.Protocol.Crc32C.Compute(bytes[..(Length - 4)]));
        FileSystemSync.WriteAtomically(Path.Combine(directory, FileName), bytes);
    }
}

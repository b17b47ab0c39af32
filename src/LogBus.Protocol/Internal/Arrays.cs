namespace LogBus.Protocol.Internal;

/// <summary>Reads one element of an array.</summary>
internal delegate T ElementReader<out T>(ref KafkaReader reader, short version);

/// <summary>Array helpers shared by the message types.</summary>
internal static class Arrays
{
    /// <summary>
    /// Reads a non-null array whose elements take at least <paramref name="minElementSize"/> bytes;
    /// the count is checked against the remaining bytes before the list is allocated.
    /// </summary>
    public static List<T> Read<T>(ref KafkaReader reader, short version, int minElementSize, ElementReader<T> read, bool compact = false)
    {
        var n = reader.ReadArrayCount(minElementSize, compact);
        var list = new List<T>(n);
        for (var i = 0; i < n; i++)
        {
            list.Add(read(ref reader, version));
        }
        return list;
    }

    /// <summary>Reads a nullable array (null stays null).</summary>
    public static List<T>? ReadNullable<T>(ref KafkaReader reader, short version, int minElementSize, ElementReader<T> read, bool compact = false)
    {
        var n = reader.ReadArrayCount(minElementSize, compact, nullable: true);
        if (n < 0)
        {
            return null;
        }
        var list = new List<T>(n);
        for (var i = 0; i < n; i++)
        {
            list.Add(read(ref reader, version));
        }
        return list;
    }
}

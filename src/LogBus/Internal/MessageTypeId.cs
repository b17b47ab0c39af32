namespace LogBus.Internal;

/// <summary>A process-wide small integer per message type, so per-bus lookups are an array index.</summary>
internal static class MessageTypeId
{
    private static int s_next = -1;

    internal static int Next() => Interlocked.Increment(ref s_next);
}

/// <summary>The id of <typeparamref name="T"/>.</summary>
internal static class MessageTypeId<T>
{
    public static readonly int Value = MessageTypeId.Next();
}

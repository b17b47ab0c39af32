using LogBus.Transport;

namespace LogBus.Internal;

/// <summary>
/// Routes what a handler publishes (and dead letters) to the transaction of the exactly-once consumer
/// running it: an async-local producer set around the handler calls.
/// </summary>
/// <remarks>
/// At-least-once buses never set <see cref="AnyActive"/>, so their publish path reads one static bool
/// and nothing else.
/// </remarks>
internal static class ExactlyOnceContext
{
    private static readonly AsyncLocal<ITransactionalProducer?> s_current = new();
    private static volatile bool s_anyActive;

    /// <summary>True once any exactly-once consumer ran in this process.</summary>
    public static bool AnyActive => s_anyActive;

    /// <summary>The transactional producer of the handler running on this async flow, if any.</summary>
    public static ITransactionalProducer? Current => s_anyActive ? s_current.Value : null;

    /// <summary>The producer to use: the current transaction's, else <paramref name="fallback"/>.</summary>
    public static ITransportProducer Resolve(ITransportProducer fallback) => s_anyActive && s_current.Value is { } txn ? txn : fallback;

    /// <summary>Sets the flow's transactional producer (null clears it).</summary>
    public static void Set(ITransactionalProducer? producer)
    {
        if (producer is not null)
        {
            s_anyActive = true;
        }
        s_current.Value = producer;
    }
}

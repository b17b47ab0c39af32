namespace LogBus;

/// <summary>
/// Observes a bus in tests: what was published, consumed and faulted, and when everything is idle.
/// Register with <see cref="LogBusTestHarnessExtensions.AddLogBusTestHarness"/>. Keeps every observed
/// message in memory: for tests only.
/// </summary>
public interface ITestHarness
{
    /// <summary>Messages of type <typeparamref name="T"/> (or derived) accepted by the transport, in publish order.</summary>
    IReadOnlyList<ObservedMessage<T>> Published<T>();

    /// <summary>Messages of type <typeparamref name="T"/> a handler completed, in completion order (one entry per group).</summary>
    IReadOnlyList<ObservedMessage<T>> Consumed<T>();

    /// <summary>Messages of type <typeparamref name="T"/> a group gave up on (dead-lettered or skipped after retries), with the last exception.</summary>
    IReadOnlyList<ObservedMessage<T>> Faulted<T>();

    /// <summary>
    /// Completes when nothing is in flight anywhere: every message published through this bus has been
    /// finished (handled, dead-lettered or skipped) by every consumer group of this bus that reads its
    /// topic, and no handler or retry is running.
    /// </summary>
    /// <exception cref="TimeoutException">Still busy after <paramref name="timeout"/>; the message says with what.</exception>
    Task WaitForIdle(TimeSpan timeout);
}

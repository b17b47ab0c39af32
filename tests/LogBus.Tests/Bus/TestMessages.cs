using System.Collections.Concurrent;

namespace LogBus.Tests.Bus;

public sealed record Ping(string Key, int Sequence, string? Note = null);

public sealed record Pong(Guid CorrelationId, int Sequence);

public sealed record Other(int Value);

public sealed record Unserializable(Func<int> Callback);

/// <summary>Shared state between a test and its consumers (registered as a singleton).</summary>
public sealed class Recorder
{
    public ConcurrentQueue<ConsumeContext> Contexts { get; } = new();
    public ConcurrentQueue<object> Messages { get; } = new();
    public ConcurrentDictionary<string, int> Running { get; } = new();
    public int MaxRunning;
    private int _running;

    public void Enter()
    {
        var now = Interlocked.Increment(ref _running);
        int max;
        do
        {
            max = Volatile.Read(ref MaxRunning);
        }
        while (now > max && Interlocked.CompareExchange(ref MaxRunning, now, max) != max);
    }

    public void Exit() => Interlocked.Decrement(ref _running);
}

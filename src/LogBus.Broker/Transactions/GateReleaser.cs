namespace LogBus.Broker.Transactions;

/// <summary>Releases a held <see cref="TransactionMetadata.Gate"/> once, on dispose; default: nothing.</summary>
internal readonly struct GateReleaser : IDisposable
{
    private readonly SemaphoreSlim? _gate;

    public GateReleaser(SemaphoreSlim gate) => _gate = gate;

    public void Dispose() => _gate?.Release();
}

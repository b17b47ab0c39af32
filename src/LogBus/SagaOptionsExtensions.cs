namespace LogBus;

/// <summary>Saga store selection for the in-memory store.</summary>
public static class SagaOptionsExtensions
{
    /// <summary>Keeps instances in <paramref name="repository"/> (shared by every bus given the same one).</summary>
    public static SagaOptions UseInMemory(this SagaOptions options, InMemorySagaRepository repository)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(repository);
        return options.UseStore(_ => repository.Store);
    }
}

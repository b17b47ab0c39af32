using LogBus.Internal;

namespace LogBus;

/// <summary>
/// Saga instances in process memory. Each bus has its own by default; give several buses (application
/// instances in a test) one repository with <see cref="SagaOptionsExtensions.UseInMemory"/> so they share
/// instances. Nothing survives the process.
/// </summary>
public sealed class InMemorySagaRepository
{
    internal InMemorySagaStore Store { get; } = new();
}

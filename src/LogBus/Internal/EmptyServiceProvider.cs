namespace LogBus.Internal;

/// <summary>A provider with no services, for contexts outside a scope.</summary>
internal sealed class EmptyServiceProvider : IServiceProvider
{
    public static readonly EmptyServiceProvider Instance = new();

    public object? GetService(Type serviceType) => null;
}

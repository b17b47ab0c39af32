namespace LogBus.Internal;

/// <summary>Life of a consumer runner, for health checks.</summary>
internal enum ConsumerState
{
    Stopped,
    Starting,
    Running,
    Faulted,
}

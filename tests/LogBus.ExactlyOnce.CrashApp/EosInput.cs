namespace LogBus.ExactlyOnce.CrashApp;

/// <summary>An input of the pipeline.</summary>
/// <param name="Id">Unique per input.</param>
public sealed record EosInput(int Id);

namespace LogBus.ExactlyOnce.CrashApp;

/// <summary>One of the outputs the handler publishes per input.</summary>
/// <param name="InputId">The input's id.</param>
/// <param name="Part">0 or 1: two outputs per input.</param>
public sealed record EosOutput(int InputId, int Part);

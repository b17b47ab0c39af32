using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace LogBus.EntityFrameworkCore.Tests;

/// <summary>Collects warnings and errors so tests can assert on what was logged.</summary>
public static class TestLog
{
    public static ConcurrentQueue<(string Category, LogLevel Level, string Message)> Entries { get; } = new();

    public static ILoggerProvider Provider { get; } = new CollectingProvider();

    private sealed class CollectingProvider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CollectingLogger(categoryName);

        public void Dispose()
        {
        }
    }

    private sealed class CollectingLogger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Entries.Enqueue((category, logLevel, formatter(state, exception)));
            }
        }
    }
}

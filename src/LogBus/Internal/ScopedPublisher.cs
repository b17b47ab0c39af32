using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace LogBus.Internal;

/// <summary>
/// The scoped <see cref="IPublisher"/>. Inside a consumer's scope <see cref="Current"/> is the message
/// being handled, whose correlation flows into what is published. An <see cref="IPublishSink"/>
/// registered in the scope (the EF Core outbox) receives records instead of the transport.
/// </summary>
internal sealed class ScopedPublisher(BusRuntime runtime, IServiceProvider services) : IPublisher
{
    private IPublishSink? _sink;
    private bool _sinkResolved;

    // Captured when the scope's consumer is created (constructor injection), see ConsumeScope.
    private readonly ConsumeContext? _current = ConsumeScope.Current;

    /// <summary>The message whose handler this publisher serves, if any.</summary>
    public ConsumeContext? Current => _current;

    public Task Publish<T>(T message, CancellationToken cancellationToken = default) =>
        PublishCore(message, _current, null, useKey: false, null, cancellationToken);

    public Task Publish<T>(T message, string? key, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default) =>
        PublishCore(message, _current, key, useKey: true, headers, cancellationToken);

    /// <summary>Publishes on behalf of <paramref name="cause"/> (used by <see cref="ConsumeContext.Publish{TOut}(TOut, CancellationToken)"/>).</summary>
    public Task PublishCaused<T>(T message, ConsumeContext cause, string? key, bool useKey, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken) =>
        PublishCore(message, cause, key, useKey, headers, cancellationToken);

    public Task PublishBatch<T>(IEnumerable<T> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        List<Task>? pending = null;
        foreach (var message in messages)
        {
            var task = PublishCore(message, _current, null, useKey: false, null, cancellationToken);
            if (!task.IsCompletedSuccessfully)
            {
                (pending ??= []).Add(task);
            }
        }
        return pending is null ? Task.CompletedTask : Task.WhenAll(pending);
    }

    private Task PublishCore<T>(T message, ConsumeContext? cause, string? key, bool useKey, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        if (message is null)
        {
            throw new ArgumentNullException(nameof(message));
        }
        if (!_sinkResolved)
        {
            _sink = services.GetService<IPublishSink>();
            _sinkResolved = true;
        }

        var metadata = runtime.ResolveMetadata(message);
        var activity = LogBusDiagnostics.StartPublish(metadata.Topic);
        try
        {
            var outgoing = runtime.CreateMessage(metadata, message, cause, key, useKey, headers, activity?.Id ?? Activity.Current?.Id);
            var task = runtime.SendAsync(outgoing, _sink, cancellationToken);
            if (task.IsCompletedSuccessfully)
            {
                activity?.Dispose();
                return Task.CompletedTask;
            }
            return AwaitSend(task, activity);
        }
        catch (Exception ex)
        {
            LogBusDiagnostics.Fail(activity, ex);
            activity?.Dispose();
            throw;
        }
    }

    private static async Task AwaitSend(ValueTask task, Activity? activity)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogBusDiagnostics.Fail(activity, ex);
            throw;
        }
        finally
        {
            activity?.Dispose();
        }
    }
}

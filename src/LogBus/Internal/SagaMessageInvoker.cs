using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace LogBus.Internal;

/// <summary>
/// Handles one saga message: correlate, load (or start) the instance, run the handler, save with an
/// optimistic-concurrency check, and on a conflict re-run the handler against the winner's state.
/// </summary>
internal sealed class SagaMessageInvoker<TSaga, TState, TMessage>(MessageMetadata metadata, SagaRegistration<TSaga, TState> saga)
    : TypedMessageInvoker<TMessage>(metadata, typeof(TSaga))
    where TSaga : Saga<TState>
    where TState : class, new()
{
    private static readonly JsonSerializerOptions StateJson = new(JsonSerializerDefaults.Web);

    private readonly SagaMessageDefinition _definition = saga.DefinitionOf(typeof(TMessage));
    private readonly Func<TSaga, TMessage, SagaContext<TState>, Task> _handler = saga.HandlerFor<TMessage>();

    public override async Task InvokeAsync(MessageContext context, IServiceProvider services)
    {
        var message = ((MessageContext<TMessage>)context).Message;
        var correlationId = SagaCorrelation.ToKey(_definition.Correlate(message!))
            ?? throw new InvalidOperationException($"{typeof(TMessage).Name} {context.MessageId} has no correlation id for saga {typeof(TSaga).Name}.");
        var store = saga.Store(services);
        var runtime = (BusRuntime)services.GetService(typeof(BusRuntime))!;
        for (var attempt = 0; ; attempt++)
        {
            var instance = await store.LoadAsync(services, saga.Name, correlationId, context.CancellationToken).ConfigureAwait(false);
            TState state;
            var isNew = instance is null || instance.CompletedAtMs is not null;
            if (isNew)
            {
                if (!_definition.Starts)
                {
                    if (saga.Options.WhenInstanceNotFound == UnknownSagaInstance.DeadLetter)
                    {
                        throw new SagaInstanceNotFoundException($"Saga {typeof(TSaga).Name} has no instance {correlationId} for {typeof(TMessage).Name}, which does not start one.");
                    }
                    runtime.Logger.LogDebug("Saga {Saga} ignored {MessageType} {MessageId}: no instance {CorrelationId}", typeof(TSaga).Name, typeof(TMessage).Name, context.MessageId, correlationId);
                    return;
                }
                if (instance is not null)
                {
                    // A kept, completed instance is replaced by a new one with the same id.
                    instance = new SagaInstance { Saga = saga.Name, CorrelationId = correlationId, Version = instance.Version };
                }
                state = new TState();
            }
            else
            {
                state = JsonSerializer.Deserialize<TState>(instance!.State, StateJson) ?? new TState();
            }

            var sagaContext = new SagaContext<TState>(context, correlationId, state, isNew);
            var handler = Resolve<TSaga>(context, services, typeof(TSaga));
            await _handler(handler, message, sagaContext).ConfigureAwait(false);

            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            instance ??= new SagaInstance { Saga = saga.Name, CorrelationId = correlationId, CreatedAtMs = now };
            if (instance.CreatedAtMs == 0)
            {
                instance.CreatedAtMs = now;
            }
            instance.State = JsonSerializer.Serialize(sagaContext.State, StateJson);
            instance.UpdatedAtMs = now;
            var scheduled = sagaContext.Scheduled.Select(s => Timeout(runtime, correlationId, s.Message, s.DueAt)).ToList();
            try
            {
                await store.SaveAsync(services, instance, scheduled, sagaContext.IsCompleted, saga.Options.KeepCompletedFor, context.CancellationToken).ConfigureAwait(false);
                return;
            }
            catch (SagaConcurrencyException) when (attempt < saga.Options.ConcurrencyRetries && store.CanRetryInScope(services))
            {
                // Another update won: run the handler again against its state.
            }
        }
    }

    private SagaTimeout Timeout(BusRuntime runtime, string correlationId, object message, DateTimeOffset dueAt)
    {
        var metadata = runtime.Registry.Get(message.GetType());
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        metadata.SerializeObject(runtime.Serializer, message, buffer);
        return new SagaTimeout
        {
            Saga = saga.Name,
            CorrelationId = correlationId,
            DueAtMs = dueAt.ToUnixTimeMilliseconds(),
            MessageType = metadata.Name,
            Payload = buffer.WrittenSpan.ToArray(),
        };
    }
}

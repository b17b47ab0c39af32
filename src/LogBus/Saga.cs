namespace LogBus;

/// <summary>
/// A long-running workflow with persisted state: each instance (one per correlation id) reacts to
/// several messages. Derive, declare the messages in <see cref="Define"/>, and write one handler method
/// per message: <c>Task Handle(TMessage message, SagaContext&lt;TState&gt; context)</c>. Register with
/// <see cref="LogBusBuilder.AddSaga{TSaga}(Action{SagaOptions})"/>.
/// </summary>
/// <example>
/// <code>
/// public sealed class OrderSaga : Saga&lt;OrderState&gt;
/// {
///     protected override void Define(SagaDefinition&lt;OrderState&gt; saga) => saga
///         .StartedBy&lt;OrderPlaced&gt;(m =&gt; m.OrderId)
///         .Handles&lt;PaymentCompleted&gt;(m =&gt; m.OrderId)
///         .Handles&lt;PaymentTimedOut&gt;(m =&gt; m.OrderId);
///
///     public Task Handle(OrderPlaced message, SagaContext&lt;OrderState&gt; context)
///     {
///         context.State.Status = "AwaitingPayment";
///         context.Schedule(new PaymentTimedOut(message.OrderId), TimeSpan.FromMinutes(15));
///         return context.Publish(new PaymentRequested(message.OrderId, message.Total));
///     }
///     ...
/// }
/// </code>
/// </example>
/// <remarks>
/// Lifecycle: the saga class is resolved from the message's DI scope (it may take services in its
/// constructor). <see cref="Define"/> is called once per saga type at start-up on an instance created
/// without running its constructor: only declare messages there.
/// </remarks>
/// <typeparam name="TState">The instance state, serialized as JSON by the saga store.</typeparam>
public abstract class Saga<TState> where TState : class, new()
{
    /// <summary>Declares the messages that start an instance and those an existing instance handles.</summary>
    protected abstract void Define(SagaDefinition<TState> saga);

    internal void DefineMessages(SagaDefinition<TState> saga) => Define(saga);
}

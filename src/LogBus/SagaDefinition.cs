using LogBus.Internal;

namespace LogBus;

/// <summary>Declarations of a saga's messages (see <see cref="Saga{TState}.Define"/>).</summary>
/// <typeparam name="TState">The saga state.</typeparam>
public sealed class SagaDefinition<TState> where TState : class, new()
{
    internal SagaDefinition()
    {
    }

    internal List<SagaMessageDefinition> Messages { get; } = [];

    /// <summary>
    /// A message that starts a new instance when none exists for its correlation id (and is handled by
    /// the existing one otherwise).
    /// </summary>
    /// <param name="correlation">The correlation id of a message (any value, as invariant text).</param>
    /// <remarks>Without a correlation expression the message's <c>CorrelationId</c> property is used.</remarks>
    public SagaDefinition<TState> StartedBy<TMessage>(Func<TMessage, object?>? correlation = null) => Add(correlation, starts: true);

    /// <summary>A message handled by an existing instance; for none, the saga's <see cref="SagaOptions.WhenInstanceNotFound"/> applies.</summary>
    /// <param name="correlation">The correlation id of a message (any value, as invariant text).</param>
    /// <remarks>Without a correlation expression the message's <c>CorrelationId</c> property is used.</remarks>
    public SagaDefinition<TState> Handles<TMessage>(Func<TMessage, object?>? correlation = null) => Add(correlation, starts: false);

    private SagaDefinition<TState> Add<TMessage>(Func<TMessage, object?>? correlation, bool starts)
    {
        if (Messages.Any(m => m.MessageType == typeof(TMessage)))
        {
            throw new InvalidOperationException($"Saga message {typeof(TMessage).Name} is declared twice.");
        }
        correlation ??= SagaCorrelation.Default<TMessage>()
            ?? throw new InvalidOperationException(
                $"{typeof(TMessage).Name} has no CorrelationId property: give the saga a correlation expression, e.g. StartedBy<{typeof(TMessage).Name}>(m => m.OrderId).");
        Messages.Add(new SagaMessageDefinition(typeof(TMessage), starts, message => correlation((TMessage)message), correlation));
        return this;
    }
}

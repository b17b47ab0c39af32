namespace LogBus.Internal;

/// <summary>
/// The message being handled on the current async flow, so the scope's <see cref="IPublisher"/> (however
/// the handler got it) can carry its correlation. Set by the dispatcher around each handler call.
/// </summary>
internal static class ConsumeScope
{
    private static readonly AsyncLocal<MessageContext?> s_current = new();

    public static MessageContext? Current
    {
        get => s_current.Value;
        set => s_current.Value = value;
    }
}

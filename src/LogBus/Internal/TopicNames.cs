namespace LogBus.Internal;

/// <summary>Kafka's rules for topic names, checked early so a bad name fails at configuration.</summary>
internal static class TopicNames
{
    public const int MaxLength = 249;

    public static void Validate(string name)
    {
        if (name.Length > MaxLength)
        {
            throw new ArgumentException($"Topic name '{name}' is longer than {MaxLength} characters.", nameof(name));
        }
        if (name is "." or "..")
        {
            throw new ArgumentException($"Topic name '{name}' is not allowed.", nameof(name));
        }
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                throw new ArgumentException($"Topic name '{name}' contains '{c}'; use only ASCII letters, digits, '.', '_' and '-'.", nameof(name));
            }
        }
    }
}

namespace LogBus.Internal;

/// <summary>What the builder collected about one message type; frozen into <see cref="MessageMetadata"/> at start.</summary>
internal sealed class MessageConfiguration(Type clrType)
{
    public Type ClrType { get; } = clrType;
    public string? Topic { get; set; }
    public int? Partitions { get; set; }
    public string? Name { get; set; }
    public object? KeySelector { get; set; }
}

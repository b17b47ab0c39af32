namespace LogBus.Protocol.Messages;

/// <summary>A partition index with its error code.</summary>
public sealed class PartitionError
{
    /// <summary>The partition index.</summary>
    public int PartitionIndex { get; set; }

    /// <summary>The error, or <see cref="ErrorCode.None"/>.</summary>
    public ErrorCode ErrorCode { get; set; }
}

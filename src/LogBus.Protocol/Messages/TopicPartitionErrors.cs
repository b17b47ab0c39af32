namespace LogBus.Protocol.Messages;

/// <summary>
/// A topic with per-partition error codes: the result shape shared by OffsetCommit, TxnOffsetCommit
/// and AddPartitionsToTxn responses (name, then [partition index, error code]).
/// </summary>
public sealed class TopicPartitionErrors
{
    /// <summary>The topic name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Per-partition results.</summary>
    public List<PartitionError> Partitions { get; set; } = [];
}

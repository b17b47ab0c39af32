namespace LogBus.Broker.Groups;

/// <summary>A decoded key of <c>__consumer_offsets</c>; <see cref="Topic"/> and <see cref="Partition"/> only for offsets.</summary>
internal readonly record struct OffsetsKey(OffsetsKeyType Type, string Group, string Topic, int Partition);

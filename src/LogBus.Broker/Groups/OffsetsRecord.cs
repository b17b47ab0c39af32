namespace LogBus.Broker.Groups;

/// <summary>One record for <c>__consumer_offsets</c>: an encoded key and value (null: tombstone).</summary>
internal readonly record struct OffsetsRecord(byte[] Key, byte[]? Value);

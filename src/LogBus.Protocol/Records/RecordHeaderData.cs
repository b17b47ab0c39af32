namespace LogBus.Protocol.Records;

/// <summary>A record header to write with <see cref="RecordBatchBuilder"/>.</summary>
/// <param name="Key">The header key (UTF-8 encoded on write; not null).</param>
/// <param name="Value">The value, or null.</param>
public readonly record struct RecordHeaderData(string Key, ReadOnlyMemory<byte>? Value);

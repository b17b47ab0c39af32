namespace LogBus.Protocol;

/// <summary>
/// One tagged field of a flexible-version structure that this codec does not interpret: its tag and
/// raw bytes, kept so that a decoded message re-encodes with the field intact.
/// </summary>
/// <param name="Tag">The field's tag (unique and ascending within a section).</param>
/// <param name="Data">The field's bytes (a slice of the frame when decoded from memory).</param>
public readonly record struct TaggedField(int Tag, ReadOnlyMemory<byte> Data);

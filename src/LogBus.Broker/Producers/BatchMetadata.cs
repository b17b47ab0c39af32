namespace LogBus.Broker.Producers;

/// <summary>Where one idempotent batch landed: its sequence range and offset range.</summary>
/// <param name="FirstSequence">Base sequence of the batch.</param>
/// <param name="LastSequence">Sequence of its last record (wrapping past int.MaxValue to 0).</param>
/// <param name="FirstOffset">Base offset assigned to it.</param>
/// <param name="LastOffset">Last offset assigned to it.</param>
internal readonly record struct BatchMetadata(int FirstSequence, int LastSequence, long FirstOffset, long LastOffset);

namespace LogBus.Transport;

/// <summary>Where the log stored a produced record.</summary>
/// <param name="Topic">Topic name.</param>
/// <param name="Partition">Partition the record went to.</param>
/// <param name="Offset">Offset assigned to the record.</param>
public readonly record struct DeliveryResult(string Topic, int Partition, long Offset);

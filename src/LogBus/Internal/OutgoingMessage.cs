using LogBus.Transport;

namespace LogBus.Internal;

/// <summary>A message on its way out: the record to append plus what observers and metrics need.</summary>
internal readonly record struct OutgoingMessage(OutgoingRecord Record, MessageMetadata Metadata, Guid MessageId, object Message);

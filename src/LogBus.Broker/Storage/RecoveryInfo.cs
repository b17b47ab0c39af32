namespace LogBus.Broker.Storage;

/// <summary>What opening a partition log did (for logs, metrics and tests).</summary>
/// <param name="CleanShutdown">True when the clean-shutdown marker let the open skip the scan.</param>
/// <param name="SegmentsScanned">Segments whose batches were read and CRC-checked.</param>
/// <param name="BatchesScanned">Batches verified during the scan.</param>
/// <param name="BytesTruncated">Bytes cut off at the first torn or corrupt batch (and in deleted later segments).</param>
/// <param name="SegmentsDeleted">Segments after the first corrupt batch that were deleted.</param>
internal sealed record RecoveryInfo(bool CleanShutdown, int SegmentsScanned, long BatchesScanned, long BytesTruncated, int SegmentsDeleted);

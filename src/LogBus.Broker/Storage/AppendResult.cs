namespace LogBus.Broker.Storage;

/// <summary>Outcome of an append: the offsets assigned, or why nothing was appended.</summary>
/// <param name="Error">None when appended.</param>
/// <param name="BaseOffset">Base offset of the first batch; -1 on error.</param>
/// <param name="LastOffset">Last offset of the last batch; -1 on error.</param>
/// <param name="BatchIndex">On error, the index of the offending batch in the record set; otherwise the batch count.</param>
internal readonly record struct AppendResult(AppendError Error, long BaseOffset, long LastOffset, int BatchIndex)
{
    /// <summary>True when the record set was appended.</summary>
    public bool Succeeded => Error == AppendError.None;

    /// <summary>A refusal.</summary>
    public static AppendResult Failed(AppendError error, int batchIndex) => new(error, -1, -1, batchIndex);
}

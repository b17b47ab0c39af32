namespace LogBus.Protocol.Records;

/// <summary>The type of a control record (transaction marker).</summary>
#pragma warning disable CA1028 // Wire format: the type is an int16 in the control record key.
public enum ControlRecordType : short
#pragma warning restore CA1028
{
    /// <summary>The transaction was aborted.</summary>
    Abort = 0,
    /// <summary>The transaction was committed.</summary>
    Commit = 1,
}

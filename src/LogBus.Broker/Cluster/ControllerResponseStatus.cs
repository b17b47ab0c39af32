namespace LogBus.Broker.Cluster;

/// <summary>Outcome of a controller request.</summary>
internal enum ControllerResponseStatus : byte
{
    /// <summary>Done (Submit: payload is the int64 committed index).</summary>
    Ok = 0,

    /// <summary>The receiver is not the leader (payload: int32 leader id hint, 0 when unknown); retry there.</summary>
    NotLeader = 1,

    /// <summary>The request could not be handled (malformed, or leadership lost before commit); retry.</summary>
    Failed = 2,
}

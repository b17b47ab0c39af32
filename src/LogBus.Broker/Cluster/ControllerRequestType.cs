namespace LogBus.Broker.Cluster;

/// <summary>Requests a broker sends to the active controller (the Raft leader) on the controller listener.</summary>
internal enum ControllerRequestType : byte
{
    /// <summary>Append a metadata record (payload: the encoded record); answered with its log index once committed.</summary>
    Submit = 1,

    /// <summary>Broker liveness (payload: int32 broker id); answered at once.</summary>
    Heartbeat = 2,
}

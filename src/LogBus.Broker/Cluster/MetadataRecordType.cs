namespace LogBus.Broker.Cluster;

/// <summary>The kinds of records in the cluster metadata log (first byte of an encoded record).</summary>
internal enum MetadataRecordType : byte
{
    /// <summary>A broker registered (or re-registered after a restart) with its endpoint; it starts fenced until the controller sees it heartbeat.</summary>
    RegisterBroker = 1,

    /// <summary>A broker was fenced (missed heartbeats) or unfenced (heartbeats again).</summary>
    FenceBroker = 2,

    /// <summary>A topic was created with its replica assignment.</summary>
    CreateTopic = 3,

    /// <summary>A topic was deleted.</summary>
    DeleteTopic = 4,

    /// <summary>A partition's leader, ISR or leader epoch changed.</summary>
    PartitionChange = 5,
}

namespace LogBus.Broker.Server;

/// <summary>Who this broker is, as told to clients in Metadata and FindCoordinator responses.</summary>
/// <param name="NodeId">The node id.</param>
/// <param name="Host">The advertised host.</param>
/// <param name="Port">The advertised port (the bound port).</param>
/// <param name="ClusterId">The cluster id (persisted in the data directory).</param>
internal sealed record BrokerMetadata(int NodeId, string Host, int Port, string ClusterId);

namespace LogBus.Broker.Cluster;

/// <summary>A registered broker as the metadata log knows it.</summary>
/// <param name="Id">Node id.</param>
/// <param name="Host">Advertised host for Kafka clients.</param>
/// <param name="Port">Advertised Kafka port.</param>
/// <param name="Fenced">True while the controller considers it dead (no heartbeats): it leads nothing and is left out of new ISRs.</param>
internal sealed record BrokerInfo(int Id, string Host, int Port, bool Fenced);

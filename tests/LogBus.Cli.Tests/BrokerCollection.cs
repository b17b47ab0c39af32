namespace LogBus.Cli.Tests;

/// <summary>The CLI tests share one broker process.</summary>
[CollectionDefinition(nameof(BrokerCollection))]
public sealed class BrokerCollection : ICollectionFixture<BrokerFixture>;

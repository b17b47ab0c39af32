using LogBus.Transport.Kafka.Client;

namespace LogBus.Transport.Kafka.Tests.Unit;

public sealed class BrokerEndpointTests
{
    [Fact]
    public void Parses_lists_with_spaces_and_ipv6()
    {
        var list = BrokerEndpoint.ParseList(" a:1 , 127.0.0.1:9092,[::1]:19092 ");
        Assert.Equal([new("a", 1), new("127.0.0.1", 9092), new("::1", 19092)], list);
        Assert.Equal("[::1]:19092", list[2].ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("host")]
    [InlineData("host:")]
    [InlineData(":9092")]
    [InlineData("host:0")]
    [InlineData("host:70000")]
    [InlineData("host:12x")]
    public void Rejects_malformed_addresses(string value) =>
        Assert.Throws<ArgumentException>(() => BrokerEndpoint.ParseList(value));

    [Fact]
    public void Options_validation_names_the_setting()
    {
        var options = new KafkaProducerOptions { BootstrapServers = "x:1", Acks = Acks.Leader };
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("Acks.All", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(new KafkaConsumerOptions { BootstrapServers = "x:1", Assignors = { "sticky" } }.Validate);
    }
}

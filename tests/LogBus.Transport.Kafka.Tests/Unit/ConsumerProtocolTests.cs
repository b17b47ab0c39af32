using LogBus.Protocol;
using LogBus.Transport.Kafka.Client;

namespace LogBus.Transport.Kafka.Tests.Unit;

public sealed class ConsumerProtocolTests
{
    [Fact]
    public void Subscription_is_encoded_as_version_0()
    {
        var bytes = ConsumerProtocol.EncodeSubscription(["b", "a"]);
        // version 0, 2 topics ("a", "b" sorted), null user data
        Assert.Equal(Convert.FromHexString("0000" + "00000002" + "000161" + "000162" + "FFFFFFFF"), bytes);
        Assert.Equal(["a", "b"], ConsumerProtocol.DecodeSubscription(bytes));
    }

    [Fact]
    public void A_newer_subscription_version_is_read_by_ignoring_the_fields_it_adds()
    {
        // Version 1 (Java 2.4+): topics, user data, then owned partitions.
        var v1 = Convert.FromHexString("0001" + "00000001" + "000174" + "00000000" + "00000001" + "000174" + "00000001" + "00000003");
        Assert.Equal(["t"], ConsumerProtocol.DecodeSubscription(v1));
    }

    [Fact]
    public void Assignment_round_trips_and_empty_data_is_an_empty_assignment()
    {
        TopicPartition[] partitions = [new("x", 2), new("x", 0), new("y", 5)];
        var bytes = ConsumerProtocol.EncodeAssignment(partitions);
        Assert.Equal(Convert.FromHexString("0000" + "00000002" + "000178" + "00000002" + "00000000" + "00000002" + "000179" + "00000001" + "00000005" + "FFFFFFFF"), bytes);
        Assert.Equal([new("x", 0), new("x", 2), new("y", 5)], ConsumerProtocol.DecodeAssignment(bytes));
        Assert.Empty(ConsumerProtocol.DecodeAssignment(ReadOnlyMemory<byte>.Empty));
    }

    [Fact]
    public void Truncated_assignments_fail_with_a_protocol_error()
    {
        var bytes = ConsumerProtocol.EncodeAssignment([new("x", 1)]);
        for (var cut = 1; cut < bytes.Length - 4; cut++)
        {
            Assert.Throws<KafkaProtocolException>(() => ConsumerProtocol.DecodeAssignment(bytes.AsMemory(0, cut)));
        }
    }
}

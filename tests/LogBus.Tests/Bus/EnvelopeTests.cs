using System.Globalization;
using System.Text;
using LogBus.Protocol;
using LogBus.Transport.InMemory;

namespace LogBus.Tests.Bus;

public class EnvelopeTests
{
    public sealed record Keyed(Guid OrderId, int Amount);

    public sealed record Correlated(Guid CorrelationId, string Text);

    [Fact]
    public async Task A_published_record_carries_the_envelope_headers_key_and_json_value()
    {
        var broker = new InMemoryBroker();
        var orderId = Guid.Parse("6f1c2a8e-0b7d-4a55-9d1e-2f3a4b5c6d7e");
        await using var host = await TestBus.StartAsync(bus => bus.Message<Keyed>(m => m.Topic("keyed").Key(x => x.OrderId).Partitions(8)), broker);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        await host.PublishAsync(new Keyed(orderId, 42));

        var keyBytes = Encoding.UTF8.GetBytes(orderId.ToString("D"));
        var partition = Murmur2.Partition(keyBytes, 8); // Kafka's Java partitioner on the key text
        var record = Assert.Single(broker.Read("keyed", partition, 0, 10));
        Assert.Equal(keyBytes, record.Key!.Value.ToArray());
        Assert.Equal("{\"orderId\":\"6f1c2a8e-0b7d-4a55-9d1e-2f3a4b5c6d7e\",\"amount\":42}", Encoding.UTF8.GetString(record.Value.Span));

        var headers = record.Headers;
        var messageId = Guid.Parse(headers.GetString(HeaderNames.MessageId)!);
        Assert.Equal(7, messageId.Version); // UUIDv7
        Assert.Equal("LogBus.Tests.Bus.EnvelopeTests.Keyed", headers.GetString(HeaderNames.MessageType));
        Assert.Equal("application/json", headers.GetString(HeaderNames.ContentType));
        var sentAt = DateTimeOffset.Parse(headers.GetString(HeaderNames.SentAt)!, CultureInfo.InvariantCulture);
        Assert.InRange(sentAt, before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(messageId.ToString(), headers.GetString(HeaderNames.ConversationId)); // a new conversation
        Assert.Null(headers.GetString(HeaderNames.CorrelationId));
        Assert.Null(headers.GetString(HeaderNames.CausationId));
    }

    [Fact]
    public async Task Correlation_id_comes_from_the_message_and_user_headers_are_added_or_override()
    {
        var broker = new InMemoryBroker();
        var correlation = Guid.NewGuid();
        await using var host = await TestBus.StartAsync(bus => bus.Message<Correlated>(m => m.Partitions(1)), broker);
        await host.PublishAsync(new Correlated(correlation, "x"), key: "explicit-key",
            headers: new Dictionary<string, string> { ["tenant"] = "acme", [HeaderNames.ContentType] = "application/vnd.acme+json" });
        var record = Assert.Single(broker.Read("correlated", 0, 0, 10));
        Assert.Equal("explicit-key", Encoding.UTF8.GetString(record.Key!.Value.Span));
        Assert.Equal(correlation.ToString(), record.Headers.GetString(HeaderNames.CorrelationId));
        Assert.Equal("acme", record.Headers.GetString("tenant"));
        Assert.Equal("application/vnd.acme+json", record.Headers.GetString(HeaderNames.ContentType));
        Assert.Single(record.Headers, h => h.Key == HeaderNames.ContentType);
    }

    [Fact]
    public async Task Keys_of_any_type_are_written_as_invariant_text()
    {
        var broker = new InMemoryBroker();
        await using var host = await TestBus.StartAsync(bus => bus
            .Message<Ping>(m => m.Key(p => p.Sequence).Partitions(1))
            .Message<Other>(m => m.Key(o => (decimal)o.Value / 4).Partitions(1)), broker);
        await host.PublishAsync(new Ping("k", 1234567));
        await host.PublishAsync(new Other(5));
        Assert.Equal("1234567", Encoding.UTF8.GetString(broker.Read("ping", 0, 0, 1)[0].Key!.Value.Span));
        Assert.Equal("1.25", Encoding.UTF8.GetString(broker.Read("other", 0, 0, 1)[0].Key!.Value.Span));
    }

    [Fact]
    public async Task A_message_that_cannot_be_serialized_fails_at_Publish()
    {
        var broker = new InMemoryBroker();
        await using var host = await TestBus.StartAsync(_ => { }, broker);
        var error = await Assert.ThrowsAsync<MessageSerializationException>(() => host.PublishAsync(new Unserializable(() => 1)));
        Assert.Contains(nameof(Unserializable), error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("unserializable", broker.Topics);
    }

    [Fact]
    public async Task Publishing_through_a_base_type_uses_the_runtime_type()
    {
        var broker = new InMemoryBroker();
        await using var host = await TestBus.StartAsync(_ => { }, broker);
        object message = new Other(7);
        await host.PublishAsync(message);
        var record = Assert.Single(broker.Read("other", broker.GetPartitionCount("other") > 0 ? FindPartition(broker, "other") : 0, 0, 1));
        Assert.Equal(typeof(Other).FullName, record.Headers.GetString(HeaderNames.MessageType));
        Assert.Equal("{\"value\":7}", Encoding.UTF8.GetString(record.Value.Span));
    }

    [Fact]
    public void Uuid7_ids_are_version_7_time_ordered_and_unique()
    {
        var ids = Enumerable.Range(0, 10_000).Select(i => LogBus.Internal.Uuid7.NewGuid(1_700_000_000_000 + i)).ToList();
        Assert.All(ids, id => Assert.Equal(7, id.Version));
        Assert.All(ids, id => Assert.Equal(0x8, id.Variant >> 0 & 0xC));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids, ids.OrderBy(id => id.ToString()).ToList());
    }

    private static int FindPartition(InMemoryBroker broker, string topic) =>
        Enumerable.Range(0, broker.GetPartitionCount(topic)).First(p => broker.GetEndOffset(topic, p) > 0);
}

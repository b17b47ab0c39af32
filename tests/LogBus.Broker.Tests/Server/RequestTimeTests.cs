using LogBus.Broker.Server;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using System.Diagnostics;

namespace LogBus.Broker.Tests.Server;

public sealed class RequestTimeTests
{
    [Theory]
    [InlineData(0L)]
    [InlineData(7L)]
    [InlineData(8L)]
    [InlineData(15L)]
    [InlineData(16L)]
    [InlineData(17L)]
    [InlineData(1000L)]
    [InlineData(4_999L)]
    [InlineData(123_456_789L)]
    public void A_time_falls_into_a_bucket_whose_upper_bound_is_at_most_an_eighth_above_it(long micros)
    {
        var bucket = RequestTimeHistogram.BucketOf(micros);
        var upper = RequestTimeHistogram.UpperBoundMicros(bucket);
        Assert.InRange(upper, micros, micros + micros / 8);
        Assert.True(bucket == 0 || RequestTimeHistogram.UpperBoundMicros(bucket - 1) < micros, "the previous bucket ends below the time");
    }

    [Fact]
    public void Buckets_are_contiguous_and_increasing()
    {
        for (var bucket = 1; bucket < RequestTimeHistogram.BucketCount; bucket++)
        {
            var lower = RequestTimeHistogram.UpperBoundMicros(bucket - 1) + 1;
            Assert.Equal(bucket, RequestTimeHistogram.BucketOf(lower));
            Assert.Equal(bucket, RequestTimeHistogram.BucketOf(RequestTimeHistogram.UpperBoundMicros(bucket)));
        }
    }

    [Fact]
    public void Percentiles_come_from_the_recorded_times_per_api_key()
    {
        var histogram = new RequestTimeHistogram();
        Assert.True(double.IsNaN(histogram.PercentileMs(ApiKey.Produce, 0.5)));
        var now = Stopwatch.GetTimestamp();
        // 98 requests of about 1 ms and 2 of about 50 ms (start timestamps in the past).
        for (var i = 0; i < 98; i++)
        {
            histogram.Record(ApiKey.Produce, now - Stopwatch.Frequency / 1000);
        }
        histogram.Record(ApiKey.Produce, now - Stopwatch.Frequency / 20);
        histogram.Record(ApiKey.Produce, now - Stopwatch.Frequency / 20);
        Assert.Equal(100, histogram.Count(ApiKey.Produce));
        Assert.Equal(0, histogram.Count(ApiKey.Fetch));
        Assert.InRange(histogram.PercentileMs(ApiKey.Produce, 0.50), 1.0, 5.0); // "now" moved on a little while recording
        Assert.InRange(histogram.PercentileMs(ApiKey.Produce, 0.98), 1.0, 5.0);
        Assert.InRange(histogram.PercentileMs(ApiKey.Produce, 0.99), 50.0, 70.0);
        histogram.Reset();
        Assert.Equal(0, histogram.Count(ApiKey.Produce));
        Assert.True(double.IsNaN(histogram.PercentileMs(ApiKey.Produce, 0.5)));
    }

    [Fact]
    public async Task The_server_records_one_time_per_answered_request()
    {
        await using var broker = await TestBroker.StartAsync();
        var times = broker.Broker.Server!.RequestTimes;
        await using var client = await broker.ConnectAsync();
        await client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("timed", 1), 4);
        for (var i = 0; i < 3; i++)
        {
            var produced = await client.SendAsync<ProduceResponse>(ProtocolTestData.Produce("timed", 0, ProtocolTestData.Batch(2, first: 2 * i)), 7);
            Assert.Equal(ErrorCode.None, Assert.Single(Assert.Single(produced.Responses).Partitions).ErrorCode);
        }
        // A time is recorded after its response's send completed, possibly after the client read it; the
        // write loop records before it writes the next response, so one more round trip orders them.
        await client.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 0);
        Assert.Equal(3, times.Count(ApiKey.Produce));
        Assert.Equal(1, times.Count(ApiKey.CreateTopics));
        Assert.Equal(3, broker.Broker.Server.HandlerTimes.Count(ApiKey.Produce)); // recorded before the response is queued
        Assert.InRange(times.PercentileMs(ApiKey.Produce, 1.0), 0.0, 10_000.0);
    }
}

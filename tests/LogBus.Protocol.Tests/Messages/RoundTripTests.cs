using LogBus.Protocol.Messages;
using LogBus.Protocol.Tests.Support;

namespace LogBus.Protocol.Tests.Messages;

public class RoundTripTests
{
    public static TheoryData<string, short> Cases()
    {
        var data = new TheoryData<string, short>();
        foreach (var (type, _, version, _) in Samples.AllMessageVersions())
        {
            data.Add(type.Name, version);
        }
        return data;
    }

    private static (Type Type, ApiKey Key, bool IsRequest) Find(string name)
    {
        var m = Samples.AllMessageVersions().First(x => x.Type.Name == name);
        return (m.Type, m.Key, m.IsRequest);
    }

    [Fact]
    public void Every_api_in_the_table_has_a_request_and_a_response_type()
    {
        var all = Samples.AllMessageVersions().ToList();
        foreach (var range in ApiVersionTable.Supported)
        {
            Assert.Contains(all, m => m.Key == range.ApiKey && m.IsRequest);
            Assert.Contains(all, m => m.Key == range.ApiKey && !m.IsRequest);
        }
        // 24 APIs x 2 directions.
        Assert.Equal(48, all.Select(m => m.Type).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encode_decode_encode_is_identical_and_consumes_every_byte(string typeName, short version)
    {
        var (type, key, isRequest) = Find(typeName);
        for (var seed = 1; seed <= 5; seed++)
        {
            foreach (var nulls in new[] { false, true })
            {
                var original = Samples.Create(type, seed, nulls);
                var bytes = Samples.Encode(original, version);
                var decoded = Samples.Decode(key, version, isRequest, bytes, out var consumed);
                Assert.Equal(bytes.Length, consumed);
                Assert.IsType(type, decoded);
                var again = Samples.Encode(decoded, version);
                Assert.Equal(bytes, again);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decoding_from_a_span_equals_decoding_from_memory(string typeName, short version)
    {
        var (type, key, isRequest) = Find(typeName);
        var bytes = Samples.Encode(Samples.Create(type, 42), version);
        var reader = new KafkaReader(bytes.AsSpan());
        KafkaMessage fromSpan = isRequest ? KafkaRequest.Read(key, version, ref reader) : KafkaResponse.Read(key, version, ref reader);
        Assert.Equal(bytes, Samples.Encode(fromSpan, version));
    }

    [Fact]
    public void Every_property_is_carried_by_at_least_one_version()
    {
        // A property no version encodes (or decodes) would differ after a round trip in every version.
        foreach (var group in Samples.AllMessageVersions().GroupBy(m => m.Type))
        {
            HashSet<string>? alwaysDifferent = null;
            var seen = new HashSet<string>();
            foreach (var (type, key, version, isRequest) in group)
            {
                var original = Samples.Create(type, 7);
                var decoded = Samples.Decode(key, version, isRequest, Samples.Encode(original, version), out _);
                var diffs = new HashSet<string>();
                Samples.Diff(original, decoded, type.Name, diffs, seen);
                alwaysDifferent = alwaysDifferent is null ? diffs : [.. alwaysDifferent.Intersect(diffs)];
            }
            Assert.True(alwaysDifferent!.Count == 0, $"never round-tripped: {string.Join(", ", alwaysDifferent)}");
        }
    }

    [Fact]
    public void Nullable_fields_stay_null_at_the_highest_version()
    {
        foreach (var group in Samples.AllMessageVersions().GroupBy(m => m.Type))
        {
            var (type, key, version, isRequest) = group.Last();
            var original = Samples.Create(type, 3, nulls: true);
            var decoded = Samples.Decode(key, version, isRequest, Samples.Encode(original, version), out _);
            var diffs = new HashSet<string>();
            Samples.Diff(original, decoded, type.Name, diffs, []);
            // At the highest version every field except those removed in later versions is present.
            diffs.RemoveWhere(d => d is "LeaveGroupRequest.MemberId" or "DescribeConfigsResponse.Results[].Configs[].IsDefault"
                or "OffsetCommitRequest.RetentionTimeMs" or "OffsetCommitRequest.Topics[].Partitions[].CommitTimestamp");
            Assert.True(diffs.Count == 0, $"{type.Name} v{version}: {string.Join(", ", diffs)}");
        }
    }
}

using LogBus.Protocol.Messages;

namespace LogBus.Protocol.Tests;

public class ApiVersionTableTests
{
    [Fact]
    public void Table_matches_the_design()
    {
        var expected = new Dictionary<ApiKey, (short, short)>
        {
            [ApiKey.Produce] = (3, 7), [ApiKey.Fetch] = (4, 11), [ApiKey.ListOffsets] = (1, 5), [ApiKey.Metadata] = (0, 8),
            [ApiKey.OffsetCommit] = (0, 7), [ApiKey.OffsetFetch] = (1, 5), [ApiKey.FindCoordinator] = (0, 2),
            [ApiKey.JoinGroup] = (0, 5), [ApiKey.Heartbeat] = (0, 3), [ApiKey.LeaveGroup] = (0, 3), [ApiKey.SyncGroup] = (0, 3),
            [ApiKey.DescribeGroups] = (0, 4), [ApiKey.ListGroups] = (0, 2), [ApiKey.ApiVersions] = (0, 3),
            [ApiKey.CreateTopics] = (0, 4), [ApiKey.DeleteTopics] = (0, 3), [ApiKey.InitProducerId] = (0, 1),
            [ApiKey.OffsetForLeaderEpoch] = (0, 3), [ApiKey.AddPartitionsToTxn] = (0, 2), [ApiKey.AddOffsetsToTxn] = (0, 2),
            [ApiKey.EndTxn] = (0, 2), [ApiKey.TxnOffsetCommit] = (0, 2), [ApiKey.DescribeConfigs] = (0, 2),
            [ApiKey.DeleteGroups] = (0, 1),
        };
        Assert.Equal(expected.Count, ApiVersionTable.Supported.Count);
        foreach (var r in ApiVersionTable.Supported)
        {
            Assert.Equal(expected[r.ApiKey], (r.MinVersion, r.MaxVersion));
        }
    }

    [Fact]
    public void Check_tells_unknown_keys_from_unsupported_versions()
    {
        Assert.Equal(ApiSupport.Supported, ApiVersionTable.Check(ApiKey.Fetch, 11));
        Assert.Equal(ApiSupport.UnsupportedVersion, ApiVersionTable.Check(ApiKey.Fetch, 12));
        Assert.Equal(ApiSupport.UnsupportedVersion, ApiVersionTable.Check(ApiKey.Produce, 2));
        Assert.Equal(ApiSupport.UnknownApiKey, ApiVersionTable.Check(ApiKey.SaslHandshake, 0));
        Assert.Equal(ApiSupport.UnknownApiKey, ApiVersionTable.Check((ApiKey)999, 0));
        Assert.Equal(ApiSupport.UnknownApiKey, ApiVersionTable.Check((ApiKey)(-5), 0));

        var reader = new KafkaReader(ReadOnlySpan<byte>.Empty);
        var unsupported = Assert.Throws<KafkaProtocolException>(() =>
        {
            var r = new KafkaReader(ReadOnlySpan<byte>.Empty);
            KafkaRequest.Read(ApiKey.Fetch, 12, ref r);
        });
        Assert.Equal(ErrorCode.UnsupportedVersion, unsupported.ErrorCode);
        var unknown = Assert.Throws<KafkaProtocolException>(() =>
        {
            var r = new KafkaReader(ReadOnlySpan<byte>.Empty);
            KafkaResponse.Read((ApiKey)999, 0, ref r);
        });
        Assert.Equal(ErrorCode.InvalidRequest, unknown.ErrorCode);
        Assert.True(reader.End);
    }

    [Fact]
    public void Negotiation_picks_the_highest_common_version()
    {
        Assert.True(ApiVersionTable.Negotiate(ApiKey.Fetch, 0, 16, out var v));
        Assert.Equal(11, v);
        Assert.True(ApiVersionTable.Negotiate(ApiKey.Fetch, 0, 6, out v));
        Assert.Equal(6, v);
        Assert.False(ApiVersionTable.Negotiate(ApiKey.Produce, 0, 2, out _));
        Assert.False(ApiVersionTable.Negotiate(ApiKey.SaslHandshake, 0, 1, out _));
    }

    [Fact]
    public void Header_versions_follow_flexibility()
    {
        Assert.Equal(1, ApiVersionTable.RequestHeaderVersion(ApiKey.ApiVersions, 2));
        Assert.Equal(2, ApiVersionTable.RequestHeaderVersion(ApiKey.ApiVersions, 3));
        Assert.Equal(0, ApiVersionTable.ResponseHeaderVersion(ApiKey.ApiVersions, 3));
        Assert.Equal(1, ApiVersionTable.RequestHeaderVersion(ApiKey.Fetch, 11));
        Assert.Equal(2, ApiVersionTable.RequestHeaderVersion(ApiKey.Fetch, 12));
        Assert.Equal(1, ApiVersionTable.ResponseHeaderVersion(ApiKey.Fetch, 12));
        Assert.Equal(2, ApiVersionTable.RequestHeaderVersion(ApiKey.Metadata, 9));
        Assert.Equal(0, ApiVersionTable.RequestHeaderVersion(ApiKey.ControlledShutdown, 0));
        Assert.False(ApiVersionTable.IsFlexible(ApiKey.SaslHandshake, 1));
        foreach (var r in ApiVersionTable.Supported)
        {
            // Only ApiVersions v3 is flexible among what we implement today.
            Assert.Equal(r.ApiKey == ApiKey.ApiVersions, ApiVersionTable.IsFlexible(r.ApiKey, r.MaxVersion));
        }
    }

    [Fact]
    public void A_header_of_an_unsupported_flexible_version_is_still_readable()
    {
        // Fetch v13 (flexible, not implemented): header v2 with a tagged field; the broker must read
        // the correlation id to answer UNSUPPORTED_VERSION.
        var bytes = Support.Hex.Parse("00 01 00 0D 00 00 00 2A 00 01 63 01 05 01 FF");
        var reader = new KafkaReader(bytes);
        var h = RequestHeader.Read(ref reader);
        Assert.Equal(ApiKey.Fetch, h.ApiKey);
        Assert.Equal(42, h.CorrelationId);
        Assert.Equal("c", h.ClientId);
        Assert.Equal(5, Assert.Single(h.TaggedFields!).Tag);
        Assert.True(reader.End);
        Assert.Equal(ApiSupport.UnsupportedVersion, ApiVersionTable.Check(h.ApiKey, h.ApiVersion));
    }

    [Fact]
    public void Unsupported_ApiVersions_answer_is_v0_with_error_35_and_our_ranges()
    {
        var response = ApiVersionsResponse.ForUnsupportedVersion();
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        FrameWriter.WriteResponse(output, 9, response, 0);
        Assert.True(FrameReader.TryReadFrame(output.WrittenMemory, 1 << 20, out var frame, out _));
        var r = new KafkaReader(frame);
        Assert.Equal(9, ResponseHeader.Read(ref r, 0).CorrelationId);
        var decoded = ApiVersionsResponse.Read(ref r, 0);
        Assert.Equal(ErrorCode.UnsupportedVersion, decoded.ErrorCode);
        Assert.Equal(35, (short)decoded.ErrorCode);
        Assert.Equal(ApiVersionTable.Supported, decoded.ApiKeys);
    }

    [Fact]
    public void Error_codes_have_kafka_numbers_and_names()
    {
        Assert.Equal(-1, (short)ErrorCode.UnknownServerError);
        Assert.Equal(6, (short)ErrorCode.NotLeaderOrFollower);
        Assert.Equal(35, (short)ErrorCode.UnsupportedVersion);
        Assert.Equal(76, (short)ErrorCode.UnsupportedCompressionType);
        Assert.Equal(90, (short)ErrorCode.ProducerFenced);
        Assert.Equal(100, (short)ErrorCode.UnknownTopicId);
        Assert.Equal("NOT_LEADER_OR_FOLLOWER", ErrorCode.NotLeaderOrFollower.KafkaName());
        Assert.Equal("UNKNOWN(999)", ((ErrorCode)999).KafkaName());
        // Every number from -1 to 100 is defined.
        for (short n = -1; n <= 100; n++)
        {
            Assert.True(Enum.IsDefined((ErrorCode)n), $"error code {n}");
        }
    }
}

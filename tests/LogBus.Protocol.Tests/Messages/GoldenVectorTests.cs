using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using LogBus.Protocol.Messages;
using LogBus.Protocol.Records;
using LogBus.Protocol.Tests.Support;

namespace LogBus.Protocol.Tests.Messages;

/// <summary>
/// Byte vectors derived by hand from the Kafka protocol guide (each field commented), compared with
/// what the encoder writes and decoded back. Only the record batch CRC is computed (by the CRC-32C
/// function, itself checked against standard vectors in Crc32CTests).
/// </summary>
public class GoldenVectorTests
{
    // One record batch, magic v2, holding one record: key null, value "hi", no headers.
    private static byte[] HandBatch()
    {
        var batch = Hex.Parse("""
            00 00 00 00 00 00 00 00   // base offset 0
            00 00 00 3A               // batch length 58 = 70 - 12
            FF FF FF FF               // partition leader epoch -1
            02                        // magic 2
            00 00 00 00               // CRC-32C, filled below
            00 00                     // attributes: no compression, create time
            00 00 00 00               // last offset delta 0
            00 00 01 8B CF E5 68 00   // base timestamp 1700000000000
            00 00 01 8B CF E5 68 00   // max timestamp 1700000000000
            FF FF FF FF FF FF FF FF   // producer id -1
            FF FF                     // producer epoch -1
            FF FF FF FF               // base sequence -1
            00 00 00 01               // record count 1
            10                        // record length: varint zigzag(8) = 16
            00                        // record attributes
            00                        // timestamp delta: varlong 0
            00                        // offset delta: varint 0
            01                        // key length: zigzag(-1) = 1, null key
            04                        // value length: zigzag(2) = 4
            68 69                     // value "hi"
            00                        // header count 0
            """);
        Assert.Equal(70, batch.Length);
        BinaryPrimitives.WriteUInt32BigEndian(batch.AsSpan(17), Crc32C.Compute(batch.AsSpan(21)));
        return batch;
    }

    private static byte[] WriteRequest(RequestHeader header, KafkaRequest body)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        FrameWriter.WriteRequest(output, header, body);
        return output.WrittenSpan.ToArray();
    }

    private static byte[] WriteResponse(int correlationId, KafkaResponse body, short version)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        FrameWriter.WriteResponse(output, correlationId, body, version);
        return output.WrittenSpan.ToArray();
    }

    private static (RequestHeader Header, KafkaRequest Body) ReadRequest(byte[] frame)
    {
        Assert.True(FrameReader.TryReadFrame(frame, FrameReader.DefaultMaxFrameSize, out var body, out var consumed));
        Assert.Equal(frame.Length, consumed);
        var reader = new KafkaReader(body);
        var header = RequestHeader.Read(ref reader);
        var request = KafkaRequest.Read(header.ApiKey, header.ApiVersion, ref reader);
        Assert.True(reader.End);
        return (header, request);
    }

    private static (ResponseHeader Header, KafkaResponse Body) ReadResponse(byte[] frame, ApiKey key, short version)
    {
        Assert.True(FrameReader.TryReadFrame(frame, FrameReader.DefaultMaxFrameSize, out var body, out _));
        var reader = new KafkaReader(body);
        var header = ResponseHeader.Read(ref reader, ApiVersionTable.ResponseHeaderVersion(key, version));
        var response = KafkaResponse.Read(key, version, ref reader);
        Assert.True(reader.End);
        return (header, response);
    }

    [Fact]
    public void Record_batch_builder_writes_the_hand_derived_batch()
    {
        using var builder = new RecordBatchBuilder();
        builder.Reset();
        Assert.True(builder.TryAppendNullable(1_700_000_000_000, null, Encoding.ASCII.GetBytes("hi")));
        Assert.Equal(HandBatch(), builder.Build().ToArray());
    }

    [Fact]
    public void Produce_v3_request()
    {
        var batch = HandBatch();
        var expected = Hex.Parse("""
            00 00 00 6C               // frame size 108
            00 00                     // api key 0 (Produce)
            00 03                     // api version 3
            00 00 00 03               // correlation id 3
            00 01 63                  // client id "c" (int16 string; request header v1)
            FF FF                     // transactional id: null
            FF FF                     // acks -1
            00 00 03 E8               // timeout 1000 ms
            00 00 00 01               // [topics] count 1
            00 01 74                  //   name "t"
            00 00 00 01               //   [partitions] count 1
            00 00 00 00               //     index 0
            00 00 00 46               //     records: size 70, then the batch
            """).Concat(batch).ToArray();
        Assert.Equal(108 + 4, expected.Length);

        var request = new ProduceRequest
        {
            TransactionalId = null,
            Acks = -1,
            TimeoutMs = 1000,
            Topics = [new() { Name = "t", Partitions = [new() { Index = 0, Records = RecordSet.FromMemory(batch) }] }],
        };
        var header = new RequestHeader { ApiKey = ApiKey.Produce, ApiVersion = 3, CorrelationId = 3, ClientId = "c" };
        Assert.Equal(expected, WriteRequest(header, request));

        var (h, decoded) = ReadRequest(expected);
        Assert.Equal(3, h.CorrelationId);
        Assert.Equal("c", h.ClientId);
        var produce = Assert.IsType<ProduceRequest>(decoded);
        Assert.Null(produce.TransactionalId);
        Assert.Equal(-1, produce.Acks);
        var records = produce.Topics[0].Partitions[0].Records;
        Assert.Equal(batch, records.Memory.ToArray());
        // Zero copy: the record set is a slice of the frame array, at the batch's position.
        Assert.True(MemoryMarshal.TryGetArray(records.Memory, out var segment));
        Assert.Same(expected, segment.Array);
        Assert.Equal(expected.Length - 70, segment.Offset);
    }

    [Fact]
    public void Fetch_v4_response()
    {
        var batch = HandBatch();
        var expected = Hex.Parse("""
            00 00 00 87               // frame size 135
            00 00 00 04               // correlation id 4 (response header v0)
            00 00 00 00               // throttle time 0
            00 00 00 01               // [responses] count 1
            00 01 74                  //   topic "t"
            00 00 00 01               //   [partitions] count 1
            00 00 00 00               //     partition 0
            00 00                     //     error code 0
            00 00 00 00 00 00 00 01   //     high watermark 1
            00 00 00 00 00 00 00 01   //     last stable offset 1 (v4+)
            00 00 00 01               //     [aborted transactions] count 1 (v4+)
            00 00 00 00 00 00 00 07   //       producer id 7
            00 00 00 00 00 00 00 00   //       first offset 0
            00 00 00 46               //     records: size 70, then the batch
            """).Concat(batch).ToArray();
        Assert.Equal(135 + 4, expected.Length);

        var response = new FetchResponse
        {
            Responses =
            [
                new()
                {
                    Name = "t",
                    Partitions =
                    [
                        new()
                        {
                            Index = 0,
                            HighWatermark = 1,
                            LastStableOffset = 1,
                            AbortedTransactions = [new() { ProducerId = 7, FirstOffset = 0 }],
                            Records = RecordSet.FromMemory(batch),
                        },
                    ],
                },
            ],
        };
        Assert.Equal(expected, WriteResponse(4, response, 4));

        var (h, decoded) = ReadResponse(expected, ApiKey.Fetch, 4);
        Assert.Equal(4, h.CorrelationId);
        var p = Assert.IsType<FetchResponse>(decoded).Responses[0].Partitions[0];
        Assert.Equal(1, p.HighWatermark);
        Assert.Equal(7, Assert.Single(p.AbortedTransactions!).ProducerId);
        var batches = new RecordBatchReader(p.Records.Memory);
        Assert.True(batches.MoveNext());
        Assert.True(batches.Current.IsCrcValid);
        using var records = batches.Current.GetRecords();
        Assert.True(records.MoveNext());
        Assert.True(records.Current.IsKeyNull);
        Assert.Equal("hi", Encoding.ASCII.GetString(records.Current.Value));
        Assert.Equal(1_700_000_000_000, records.Current.Timestamp);
    }

    [Fact]
    public void ApiVersions_v0_request_and_response()
    {
        var request = Hex.Parse("""
            00 00 00 0C               // frame size 12
            00 12                     // api key 18 (ApiVersions)
            00 00                     // api version 0
            00 00 00 01               // correlation id 1
            00 02 61 62               // client id "ab"
                                      // (empty body)
            """);
        var header = new RequestHeader { ApiKey = ApiKey.ApiVersions, ApiVersion = 0, CorrelationId = 1, ClientId = "ab" };
        Assert.Equal(request, WriteRequest(header, new ApiVersionsRequest()));
        Assert.IsType<ApiVersionsRequest>(ReadRequest(request).Body);

        var response = Hex.Parse("""
            00 00 00 16               // frame size 22
            00 00 00 01               // correlation id 1
            00 00                     // error code 0
            00 00 00 02               // [api keys] count 2
            00 00 00 03 00 07         //   Produce 3-7
            00 12 00 00 00 03         //   ApiVersions 0-3
                                      // (no throttle time in v0)
            """);
        var body = new ApiVersionsResponse
        {
            ApiKeys = [new(ApiKey.Produce, 3, 7), new(ApiKey.ApiVersions, 0, 3)],
        };
        Assert.Equal(response, WriteResponse(1, body, 0));
        var decoded = Assert.IsType<ApiVersionsResponse>(ReadResponse(response, ApiKey.ApiVersions, 0).Body);
        Assert.Equal(body.ApiKeys, decoded.ApiKeys);
    }

    [Fact]
    public void ApiVersions_v3_request_and_response_are_flexible()
    {
        var request = Hex.Parse("""
            00 00 00 24               // frame size 36
            00 12                     // api key 18
            00 03                     // api version 3
            00 00 00 07               // correlation id 7
            00 07 72 64 6B 61 66 6B 61 // client id "rdkafka": still an int16 string in header v2
            00                        // header tagged fields: none
            0B 6C 69 62 72 64 6B 61 66 6B 61 // client software name: compact, uvarint(10 + 1), "librdkafka"
            06 32 2E 30 2E 32         // client software version: compact, uvarint(5 + 1), "2.0.2"
            00                        // body tagged fields: none
            """);
        var header = new RequestHeader { ApiKey = ApiKey.ApiVersions, ApiVersion = 3, CorrelationId = 7, ClientId = "rdkafka" };
        Assert.Equal(2, header.HeaderVersion);
        var body = new ApiVersionsRequest { ClientSoftwareName = "librdkafka", ClientSoftwareVersion = "2.0.2" };
        Assert.Equal(request, WriteRequest(header, body));
        var (h, decodedRequest) = ReadRequest(request);
        Assert.Equal("rdkafka", h.ClientId);
        Assert.Equal("2.0.2", Assert.IsType<ApiVersionsRequest>(decodedRequest).ClientSoftwareVersion);

        var response = Hex.Parse("""
            00 00 00 24               // frame size 36
            00 00 00 07               // correlation id 7: response header v0 even for v3 (no tagged fields)
            00 00                     // error code 0
            03                        // [api keys] compact count: uvarint(2 + 1)
            00 00 00 03 00 07 00      //   Produce 3-7, element tagged fields: none
            00 12 00 00 00 03 00      //   ApiVersions 0-3, element tagged fields: none
            00 00 00 00               // throttle time 0
            01                        // tagged fields: 1
            01 08                     //   tag 1 (FinalizedFeaturesEpoch), 8 bytes
            00 00 00 00 00 00 00 05   //   epoch 5
            """);
        var responseBody = new ApiVersionsResponse
        {
            ApiKeys = [new(ApiKey.Produce, 3, 7), new(ApiKey.ApiVersions, 0, 3)],
            FinalizedFeaturesEpoch = 5,
        };
        Assert.Equal(response, WriteResponse(7, responseBody, 3));
        var decoded = Assert.IsType<ApiVersionsResponse>(ReadResponse(response, ApiKey.ApiVersions, 3).Body);
        Assert.Equal(5, decoded.FinalizedFeaturesEpoch);
        Assert.Equal(responseBody.ApiKeys, decoded.ApiKeys);
    }

    [Fact]
    public void JoinGroup_v0_request_with_a_null_client_id()
    {
        var expected = Hex.Parse("""
            00 00 00 30               // frame size 48
            00 0B                     // api key 11 (JoinGroup)
            00 00                     // api version 0
            00 00 00 02               // correlation id 2
            FF FF                     // client id: null
            00 02 67 31               // group id "g1"
            00 00 75 30               // session timeout 30000 ms (no rebalance timeout in v0)
            00 00                     // member id ""
            00 08 63 6F 6E 73 75 6D 65 72 // protocol type "consumer"
            00 00 00 01               // [protocols] count 1
            00 05 72 61 6E 67 65      //   name "range"
            00 00 00 03 01 02 03      //   metadata: bytes, length 3
            """);
        var header = new RequestHeader { ApiKey = ApiKey.JoinGroup, ApiVersion = 0, CorrelationId = 2, ClientId = null };
        var body = new JoinGroupRequest
        {
            GroupId = "g1",
            SessionTimeoutMs = 30000,
            MemberId = string.Empty,
            ProtocolType = "consumer",
            Protocols = [new() { Name = "range", Metadata = new byte[] { 1, 2, 3 } }],
        };
        Assert.Equal(expected, WriteRequest(header, body));
        var (h, decoded) = ReadRequest(expected);
        Assert.Null(h.ClientId);
        var join = Assert.IsType<JoinGroupRequest>(decoded);
        Assert.Equal("g1", join.GroupId);
        Assert.Equal(30000, join.SessionTimeoutMs);
        Assert.Equal(new byte[] { 1, 2, 3 }, join.Protocols[0].Metadata.ToArray());
    }
}

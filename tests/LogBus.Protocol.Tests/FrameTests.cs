using System.Buffers;
using LogBus.Protocol.Messages;
using LogBus.Protocol.Records;
using LogBus.Protocol.Tests.Support;

namespace LogBus.Protocol.Tests;

public class FrameTests
{
    private static ReadOnlySequence<byte> Segmented(byte[] bytes, int segmentSize)
    {
        Segment? first = null, last = null;
        for (var i = 0; i < bytes.Length; i += segmentSize)
        {
            var chunk = bytes.AsMemory(i, Math.Min(segmentSize, bytes.Length - i));
            if (first is null)
            {
                first = last = new Segment(chunk, 0);
            }
            else
            {
                last = last!.Append(chunk);
            }
        }
        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    [Fact]
    public void Need_more_bytes_returns_false_and_consumes_nothing()
    {
        var two = Hex.Parse("00 00 00 03 AA BB CC 00 00 00 01 DD");
        for (var cut = 0; cut < two.Length; cut++)
        {
            foreach (var segmentSize in new[] { 1, 2, 5, 100 })
            {
                var seq = Segmented(two[..cut], segmentSize);
                var frames = 0;
                while (FrameReader.TryReadFrame(ref seq, 1024, out var frame))
                {
                    frames++;
                    Assert.Equal(frames == 1 ? 3 : 1, frame.Length);
                }
                var expectedFrames = cut >= 12 ? 2 : cut >= 7 ? 1 : 0;
                Assert.Equal(expectedFrames, frames);
                Assert.Equal(cut - (expectedFrames == 0 ? 0 : expectedFrames == 1 ? 7 : 12), seq.Length);
            }
        }
    }

    [Fact]
    public void Sequence_reader_overload_rewinds_on_a_partial_body()
    {
        var reader = new SequenceReader<byte>(Segmented(Hex.Parse("00 00 00 04 01 02"), 3));
        Assert.False(FrameReader.TryReadFrame(ref reader, 64, out _));
        Assert.Equal(0, reader.Consumed);
        reader = new SequenceReader<byte>(Segmented(Hex.Parse("00 00 00 02 01 02 00"), 3));
        Assert.True(FrameReader.TryReadFrame(ref reader, 64, out var frame));
        Assert.Equal(new byte[] { 1, 2 }, frame.ToArray());
        Assert.Equal(6, reader.Consumed);
    }

    [Fact]
    public void Negative_and_oversized_sizes_are_protocol_errors()
    {
        var negative = new ReadOnlySequence<byte>(Hex.Parse("FF FF FF FF"));
        Assert.Equal(ErrorCode.CorruptMessage, Assert.Throws<KafkaProtocolException>(() => FrameReader.TryReadFrame(ref negative, 1024, out _)).ErrorCode);
        var huge = new ReadOnlySequence<byte>(Hex.Parse("00 10 00 00")); // 1 MiB announced, 4 bytes present
        Assert.Equal(ErrorCode.MessageTooLarge, Assert.Throws<KafkaProtocolException>(() => FrameReader.TryReadFrame(ref huge, 1024, out _)).ErrorCode);
        var sequence = Segmented(Hex.Parse("7F FF FF FF"), 1);
        Assert.Throws<KafkaProtocolException>(() =>
        {
            var reader = new SequenceReader<byte>(sequence);
            FrameReader.TryReadFrame(ref reader, FrameReader.DefaultMaxFrameSize, out _);
        });
    }

    [Fact]
    public void Fetch_response_with_external_records_is_emitted_as_segments()
    {
        var fileRegionA = new object();
        var fileRegionB = new object();
        var inMemory = new byte[] { 1, 2, 3 };
        var response = new FetchResponse
        {
            Responses =
            [
                new()
                {
                    Name = "t",
                    Partitions =
                    [
                        new() { Index = 0, AbortedTransactions = [], Records = RecordSet.FromExternal(fileRegionA, 1000) },
                        new() { Index = 1, AbortedTransactions = null, Records = RecordSet.FromMemory(inMemory) },
                        new() { Index = 2, AbortedTransactions = [], Records = RecordSet.FromExternal(fileRegionB, 5) },
                    ],
                },
            ],
        };
        using var segments = new SegmentedBufferWriter();
        var written = FrameWriter.WriteResponse(segments, 11, response, 11);
        Assert.Equal(segments.TotalLength, written);
        Assert.Equal(2, segments.ExternalCount);

        // Materialise the segments the way the broker's sender would, with fake file contents.
        var assembled = new List<byte>();
        var externals = new List<object>();
        foreach (var s in segments.GetSegments())
        {
            if (s.IsExternal)
            {
                externals.Add(s.External!);
                assembled.AddRange(Enumerable.Repeat((byte)(s.External == fileRegionA ? 0xA : 0xB), s.ExternalLength));
            }
            else
            {
                Assert.True(s.Inline.Length > 0);
                assembled.AddRange(s.Inline.ToArray());
            }
        }
        Assert.Equal([fileRegionA, fileRegionB], externals);
        var frameBytes = assembled.ToArray();
        Assert.Equal(written, frameBytes.Length);

        Assert.True(FrameReader.TryReadFrame(frameBytes, 1 << 20, out var frame, out _));
        var reader = new KafkaReader(frame);
        Assert.Equal(11, ResponseHeader.Read(ref reader, 0).CorrelationId);
        var decoded = FetchResponse.Read(ref reader, 11);
        var parts = decoded.Responses[0].Partitions;
        Assert.Equal(1000, parts[0].Records.Length);
        Assert.All(parts[0].Records.Memory.ToArray(), b => Assert.Equal(0xA, b));
        Assert.Equal(inMemory, parts[1].Records.Memory.ToArray());
        Assert.Null(parts[1].AbortedTransactions);
        Assert.Equal(5, parts[2].Records.Length);
        Assert.All(parts[2].Records.Memory.ToArray(), b => Assert.Equal(0xB, b));

        // Other outputs refuse external regions instead of silently dropping them.
        Assert.Throws<InvalidOperationException>(() => FrameWriter.WriteResponse(new ArrayBufferWriter<byte>(), 1, response, 11));
    }

    [Fact]
    public void Request_frames_round_trip_through_a_pipe_like_writer()
    {
        var request = new MetadataRequest { Topics = ["a", "b"], AllowAutoTopicCreation = false };
        var header = new RequestHeader { ApiKey = ApiKey.Metadata, ApiVersion = 8, CorrelationId = 5, ClientId = "cli" };
        var output = new ArrayBufferWriter<byte>(1); // grows repeatedly
        var n = FrameWriter.WriteRequest(output, header, request);
        Assert.Equal(output.WrittenCount, n);
        var seq = new ReadOnlySequence<byte>(output.WrittenMemory);
        Assert.True(FrameReader.TryReadFrame(ref seq, 1024, out var frame));
        Assert.True(seq.IsEmpty);
        var reader = new KafkaReader(frame.ToArray().AsMemory());
        var h = RequestHeader.Read(ref reader);
        var decoded = Assert.IsType<MetadataRequest>(KafkaRequest.Read(h.ApiKey, h.ApiVersion, ref reader));
        Assert.Equal(["a", "b"], decoded.Topics!);
        Assert.False(decoded.AllowAutoTopicCreation);
        Assert.Throws<ArgumentException>(() => FrameWriter.WriteRequest(output, new RequestHeader { ApiKey = ApiKey.Fetch, ApiVersion = 4 }, request));
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}

using System.Buffers;
using System.Diagnostics;
using LogBus.Protocol.Messages;
using LogBus.Protocol.Records;
using LogBus.Protocol.Tests.Support;

namespace LogBus.Protocol.Tests.Fuzz;

/// <summary>
/// Fuzz targets that run as unit tests: random and mutated bytes go into every decoder, which must
/// either decode or throw <see cref="KafkaProtocolException"/> (nothing else), finish, and allocate no
/// more than a small multiple of the input (lengths and counts are checked against the remaining bytes
/// before anything is allocated). Seeded: a failure message carries the seed and the input to replay.
/// </summary>
public class DecoderFuzzTests
{
    // Decoded objects cost more than their wire bytes (object headers, list slots, UTF-16 strings),
    // but only by a constant factor; a count trusted before checking would blow far past this.
    private const int AllocationFactor = 48;
    private const int AllocationSlack = 16 * 1024;

    private static void Expect(string what, byte[] input, Action decode, long allocationLimit)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            decode();
        }
        catch (KafkaProtocolException)
        {
        }
        catch (Exception ex)
        {
            Assert.Fail($"{what}: {ex.GetType().Name} instead of KafkaProtocolException for input {Convert.ToHexString(input)}\n{ex}");
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated <= allocationLimit, $"{what}: allocated {allocated} bytes for {input.Length} input bytes: {Convert.ToHexString(input)}");
    }

    private static long Limit(byte[] input) => ((long)input.Length * AllocationFactor) + AllocationSlack;

    public static TheoryData<string, short> Cases() => RoundTripCases();

    private static TheoryData<string, short> RoundTripCases()
    {
        var data = new TheoryData<string, short>();
        foreach (var (type, _, version, _) in Samples.AllMessageVersions())
        {
            data.Add(type.Name, version);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Message_decoders_survive_mutated_and_random_bytes(string typeName, short version)
    {
        var (type, key, _, isRequest) = Samples.AllMessageVersions().First(m => m.Type.Name == typeName && m.Version == version);
        var seed = HashCode.Combine(typeName.Length, typeName[0], typeName[^1], version) & 0x7FFFFFFF;
        var rng = new Random(seed);
        var samples = Enumerable.Range(1, 3).Select(s => Samples.Encode(Samples.Create(type, s, nulls: s == 3), version)).ToArray();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 400; i++)
        {
            var input = i % 8 == 7 ? RandomBytes(rng, 96) : Mutator.Mutate(samples[i % samples.Length], rng);
            var memory = input.AsMemory();
            Expect($"{typeName} v{version} (seed {seed}, iteration {i})", input, () => Samples.Decode(key, version, isRequest, memory, out _), Limit(input));
        }
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "fuzzing one decoder stays within seconds");
    }

    [Fact]
    public void Request_headers_and_dispatch_survive_random_frames()
    {
        var rng = new Random(20240601);
        var valid = new List<byte[]>();
        foreach (var (type, key, version, isRequest) in Samples.AllMessageVersions().Where(m => m.IsRequest))
        {
            var output = new ArrayBufferWriter<byte>();
            FrameWriter.WriteRequest(output, new RequestHeader { ApiKey = key, ApiVersion = version, CorrelationId = 1, ClientId = "fuzz" }, (KafkaRequest)Samples.Create(type, 1));
            valid.Add(output.WrittenSpan[4..].ToArray());
        }
        for (var i = 0; i < 5000; i++)
        {
            var input = i % 5 == 4 ? RandomBytes(rng, 64) : Mutator.Mutate(valid[rng.Next(valid.Count)], rng);
            Expect($"request frame (iteration {i})", input, () =>
            {
                var reader = new KafkaReader(input.AsMemory());
                var header = RequestHeader.Read(ref reader);
                if (ApiVersionTable.Check(header.ApiKey, header.ApiVersion) == ApiSupport.Supported)
                {
                    KafkaRequest.Read(header.ApiKey, header.ApiVersion, ref reader);
                }
            }, Limit(input));
        }
    }

    [Fact]
    public void Frame_reader_survives_random_streams()
    {
        var rng = new Random(77);
        for (var i = 0; i < 5000; i++)
        {
            var input = RandomBytes(rng, 32);
            if (i % 2 == 0 && input.Length >= 4)
            {
                input[0] = 0; // small sizes, so that complete frames occur
                input[1] = 0;
                input[2] = 0;
                input[3] &= 0x1F;
            }
            Expect($"frame stream (iteration {i})", input, () =>
            {
                var seq = new ReadOnlySequence<byte>(input);
                while (FrameReader.TryReadFrame(ref seq, 16, out var frame))
                {
                    Assert.True(frame.Length <= 16);
                }
                var memory = input.AsMemory();
                while (FrameReader.TryReadFrame(memory, 16, out _, out var consumed))
                {
                    memory = memory[consumed..];
                }
            }, AllocationSlack);
        }
    }

    [Fact]
    public void Record_batch_reader_survives_mutated_batches()
    {
        var rng = new Random(4242);
        var batches = new List<byte[]>();
        using (var builder = new RecordBatchBuilder())
        {
            foreach (var codec in new[] { CompressionCodec.None, CompressionCodec.Gzip })
            {
                builder.Reset(codec, producerId: 1, producerEpoch: 0, baseSequence: 0);
                for (var i = 0; i < 5; i++)
                {
                    builder.TryAppend(i, new byte[] { (byte)i }, new byte[20], [new RecordHeaderData("h", new byte[] { 1, 2 }), new RecordHeaderData("n", null)]);
                }
                batches.Add(builder.Build().ToArray());
            }
            builder.Reset(isTransactional: true, isControl: true);
            builder.AppendControlRecord(1, ControlRecordType.Commit, 3);
            batches.Add(builder.Build().ToArray());
        }
        batches.Add([.. batches[0], .. batches[1], .. batches[2]]);

        const int maxDecompressed = 1 << 20;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 6000; i++)
        {
            var input = i % 10 == 9 ? RandomBytes(rng, 200) : Mutator.Mutate(batches[rng.Next(batches.Count)], rng);
            Expect($"record batches (iteration {i})", input, () =>
            {
                var reader = new RecordBatchReader(input);
                while (reader.MoveNext())
                {
                    _ = reader.Current.IsCrcValid;
                    foreach (var record in reader.Current.GetRecords(maxDecompressed))
                    {
                        foreach (var header in record.Headers)
                        {
                            _ = header.Key.Length + header.Value.Length;
                        }
                        ControlRecord.TryParse(record.Key, record.Value, out _);
                    }
                }
            }, (2L * maxDecompressed) + (256 * 1024));
        }
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20));
    }

    private static byte[] RandomBytes(Random rng, int max)
    {
        var b = new byte[rng.Next(0, max)];
        rng.NextBytes(b);
        return b;
    }
}

using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using LogBus.Protocol.Records;

namespace LogBus.Benchmarks.Protocol;

/// <summary>
/// Record batch encode and decode throughput of 100-byte records on one thread, with allocated bytes
/// per record (GC.GetAllocatedBytesForCurrentThread). Targets (issue 4): at least 5,000,000 records/s
/// each way, no per-record allocation when decoding.
/// </summary>
internal sealed class CodecBenchmark : IBenchmark
{
    private const int RecordSize = 100;
    private const int RecordsPerBatch = 1000;
    private const double TargetRecordsPerSecond = 5_000_000;

    public string Name => "codec";

    public string Description => "record batch encode/decode of 100-byte records (target >= 5M records/s, 0 B/record decode)";

    public Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var seconds = quick ? 0.5 : 3.0;
        Console.WriteLine($"codec: {RecordsPerBatch} records of {RecordSize} bytes per batch, {seconds:0.0} s per measurement, one thread");

        var value = new byte[RecordSize];
        new Random(1).NextBytes(value);
        var failures = 0;

        failures += Report("encode (none)", Encode(value, CompressionCodec.None, seconds), TargetRecordsPerSecond, checkAllocations: false);
        var batches = BuildBuffer(value, CompressionCodec.None, 100);
        failures += Report("decode (none)", Decode(batches, seconds), TargetRecordsPerSecond, checkAllocations: true);
        Report("encode (gzip)", Encode(value, CompressionCodec.Gzip, seconds / 2), target: null, checkAllocations: false);
        Report("decode (gzip)", Decode(BuildBuffer(value, CompressionCodec.Gzip, 20), seconds / 2), target: null, checkAllocations: false);
        Report("produce request decode (1 batch, zero-copy)", DecodeProduceRequest(value, seconds / 2), target: null, checkAllocations: false, unit: "requests");

        Console.WriteLine(failures == 0 ? "codec: all targets met" : $"codec: {failures} target(s) missed");
        return Task.FromResult(0);
    }

    private readonly record struct Result(long Items, TimeSpan Elapsed, long AllocatedBytes);

    private static int Report(string name, Result r, double? target, bool checkAllocations, string unit = "records")
    {
        var rate = r.Items / r.Elapsed.TotalSeconds;
        var perItem = (double)r.AllocatedBytes / r.Items;
        var line = string.Create(CultureInfo.InvariantCulture, $"  {name,-44} {rate,14:N0} {unit}/s   {perItem,8:0.000} B allocated/{unit[..^1]}");
        var missed = 0;
        if (target is { } t)
        {
            var ok = rate >= t && (!checkAllocations || perItem < 1.0);
            line += string.Create(CultureInfo.InvariantCulture, $"   target >= {t:N0}/s{(checkAllocations ? ", < 1 B/record" : string.Empty)}: {(ok ? "met" : "MISSED")}");
            missed = ok ? 0 : 1;
        }
        Console.WriteLine(line);
        return missed;
    }

    private static Result Encode(byte[] value, CompressionCodec codec, double seconds)
    {
        using var builder = new RecordBatchBuilder(RecordsPerBatch * (RecordSize + 16));
        void OneBatch()
        {
            builder.Reset(codec, producerId: 1, producerEpoch: 0, baseSequence: 0);
            for (var i = 0; i < RecordsPerBatch; i++)
            {
                builder.TryAppend(1_700_000_000_000 + i, default, value);
            }
            builder.Build();
        }
        for (var i = 0; i < 50; i++)
        {
            OneBatch(); // warm up: JIT tiers, pooled buffers
        }
        return Measure(seconds, RecordsPerBatch, OneBatch);
    }

    private static ReadOnlyMemory<byte> BuildBuffer(byte[] value, CompressionCodec codec, int batchCount)
    {
        using var builder = new RecordBatchBuilder();
        var output = new ArrayBufferWriter<byte>();
        for (var b = 0; b < batchCount; b++)
        {
            builder.Reset(codec, baseOffset: (long)b * RecordsPerBatch);
            for (var i = 0; i < RecordsPerBatch; i++)
            {
                builder.TryAppend(1_700_000_000_000 + i, default, value);
            }
            output.Write(builder.Build().Span);
        }
        return output.WrittenMemory.ToArray();
    }

    private static Result Decode(ReadOnlyMemory<byte> buffer, double seconds)
    {
        long checksum = 0;
        long count = 0;
        void Pass()
        {
            var reader = new RecordBatchReader(buffer);
            while (reader.MoveNext())
            {
                foreach (var record in reader.Current.GetRecords())
                {
                    checksum += record.Offset + record.Value[^1];
                    count++;
                }
            }
        }
        Pass();
        var perPass = count;
        for (var i = 0; i < 5; i++)
        {
            Pass();
        }
        var result = Measure(seconds, perPass, Pass);
        GC.KeepAlive(checksum);
        return result;
    }

    private static Result DecodeProduceRequest(byte[] value, double seconds)
    {
        var batch = BuildBuffer(value, CompressionCodec.None, 1);
        var request = new ProduceRequest
        {
            Acks = -1,
            TimeoutMs = 30000,
            Topics = [new() { Name = "orders", Partitions = [new() { Index = 0, Records = RecordSet.FromMemory(batch) }] }],
        };
        var output = new ArrayBufferWriter<byte>();
        FrameWriter.WriteRequest(output, new RequestHeader { ApiKey = ApiKey.Produce, ApiVersion = 7, CorrelationId = 1, ClientId = "bench" }, request);
        var frame = output.WrittenMemory[4..].ToArray().AsMemory();
        void One()
        {
            var reader = new KafkaReader(frame);
            var header = RequestHeader.Read(ref reader);
            var decoded = (ProduceRequest)KafkaRequest.Read(header.ApiKey, header.ApiVersion, ref reader);
            if (decoded.Topics[0].Partitions[0].Records.Length != batch.Length)
            {
                throw new InvalidOperationException("decode mismatch");
            }
        }
        for (var i = 0; i < 1000; i++)
        {
            One();
        }
        return Measure(seconds, 1, One);
    }

    private static Result Measure(double seconds, long itemsPerCall, Action action)
    {
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        long items = 0;
        while (watch.Elapsed.TotalSeconds < seconds)
        {
            for (var i = 0; i < 10; i++)
            {
                action();
                items += itemsPerCall;
            }
        }
        watch.Stop();
        return new Result(items, watch.Elapsed, GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
    }
}

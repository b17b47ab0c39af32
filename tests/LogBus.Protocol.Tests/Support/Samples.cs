using System.Collections;
using System.Reflection;
using LogBus.Protocol.Messages;
using LogBus.Protocol.Records;

namespace LogBus.Protocol.Tests.Support;

/// <summary>
/// Builds populated message instances by reflection (every settable property gets a random, seeded
/// value), and encodes/decodes them. Used by the round-trip and fuzz tests for every API x version.
/// </summary>
internal static class Samples
{
    private static readonly NullabilityInfoContext Nullability = new();

    public static IEnumerable<(Type Type, ApiKey Key, short Version, bool IsRequest)> AllMessageVersions()
    {
        var types = typeof(KafkaMessage).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(KafkaMessage).IsAssignableFrom(t))
            .OrderBy(t => t.Name, StringComparer.Ordinal);
        foreach (var t in types)
        {
            var key = ((KafkaMessage)Activator.CreateInstance(t)!).ApiKey;
            Assert.True(ApiVersionTable.TryGetRange(key, out var range), $"{t.Name} has no version range");
            for (var v = range.MinVersion; v <= range.MaxVersion; v++)
            {
                yield return (t, key, v, typeof(KafkaRequest).IsAssignableFrom(t));
            }
        }
    }

    public static KafkaMessage Create(Type type, int seed, bool nulls = false) =>
        (KafkaMessage)Populate(type, new Random(seed), depth: 0, nulls);

    private static object Populate(Type type, Random rng, int depth, bool nulls)
    {
        var instance = Activator.CreateInstance(type)!;
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!p.CanWrite || p.SetMethod is not { IsPublic: true })
            {
                continue;
            }
            var nullable = Nullability.Create(p).WriteState == NullabilityState.Nullable;
            p.SetValue(instance, Value(p.PropertyType, nullable, rng, depth, nulls));
        }
        return instance;
    }

    private static object? Value(Type t, bool nullable, Random rng, int depth, bool nulls)
    {
        if (nullable && nulls && !t.IsValueType)
        {
            return null;
        }
        if (t == typeof(int))
        {
            return rng.Next(int.MinValue, int.MaxValue);
        }
        if (t == typeof(long))
        {
            return rng.NextInt64(long.MinValue, long.MaxValue);
        }
        if (t == typeof(short))
        {
            return (short)rng.Next(short.MinValue, short.MaxValue + 1);
        }
        if (t == typeof(sbyte))
        {
            return (sbyte)rng.Next(sbyte.MinValue, sbyte.MaxValue + 1);
        }
        if (t == typeof(bool))
        {
            return rng.Next(2) == 1;
        }
        if (t == typeof(ErrorCode))
        {
            var values = Enum.GetValues<ErrorCode>();
            return values[rng.Next(values.Length)];
        }
        if (t == typeof(string))
        {
            return RandomString(rng);
        }
        if (t == typeof(ReadOnlyMemory<byte>))
        {
            return new ReadOnlyMemory<byte>(RandomBytes(rng, 24));
        }
        if (t == typeof(RecordSet))
        {
            return nulls ? RecordSet.Null : RecordSet.FromMemory(RandomBytes(rng, 48));
        }
        if (t == typeof(ApiVersionRange))
        {
            return new ApiVersionRange((ApiKey)rng.Next(0, 69), (short)rng.Next(0, 5), (short)rng.Next(5, 20));
        }
        if (t == typeof(FeatureRange))
        {
            return new FeatureRange(RandomString(rng), (short)rng.Next(0, 5), (short)rng.Next(5, 20));
        }
        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>))
        {
            var element = t.GetGenericArguments()[0];
            var list = (IList)Activator.CreateInstance(t)!;
            if (element == typeof(TaggedField))
            {
                // Unknown tagged fields: ascending tags above every known tag.
                var n = rng.Next(0, 3);
                for (var i = 0; i < n; i++)
                {
                    list.Add(new TaggedField(10 + (i * 3) + rng.Next(3), RandomBytes(rng, 8)));
                }
                return n == 0 && nulls ? null : list;
            }
            var count = depth > 4 ? 0 : rng.Next(1, 4);
            for (var i = 0; i < count; i++)
            {
                list.Add(element.IsClass && element != typeof(string)
                    ? Populate(element, rng, depth + 1, nulls)
                    : Value(element, false, rng, depth + 1, nulls));
            }
            return list;
        }
        throw new InvalidOperationException($"No sample value for {t}.");
    }

    private static string RandomString(Random rng)
    {
        const string alphabet = "abcxyz-_.0129ABZ é日本";
        var n = rng.Next(0, 12);
        var chars = new char[n];
        for (var i = 0; i < n; i++)
        {
            chars[i] = alphabet[rng.Next(alphabet.Length)];
        }
        return new string(chars);
    }

    private static byte[] RandomBytes(Random rng, int max)
    {
        var b = new byte[rng.Next(0, max)];
        rng.NextBytes(b);
        return b;
    }

    public static byte[] Encode(KafkaMessage message, short version)
    {
        using var buffer = new PooledBufferWriter();
        var writer = new KafkaWriter(buffer);
        message.Write(ref writer, version);
        writer.Flush();
        var measure = KafkaWriter.CreateMeasuring();
        message.Write(ref measure, version);
        Assert.Equal(buffer.WrittenCount, measure.Position);
        return buffer.WrittenSpan.ToArray();
    }

    public static KafkaMessage Decode(ApiKey key, short version, bool isRequest, ReadOnlyMemory<byte> bytes, out int consumed)
    {
        var reader = new KafkaReader(bytes);
        KafkaMessage m = isRequest
            ? KafkaRequest.Read(key, version, ref reader)
            : KafkaResponse.Read(key, version, ref reader);
        consumed = reader.Position;
        return m;
    }

    /// <summary>Adds to <paramref name="diffs"/> every leaf path where the two objects differ.</summary>
    public static void Diff(object? a, object? b, string path, HashSet<string> diffs, HashSet<string> seen)
    {
        seen.Add(path);
        if (a is null || b is null)
        {
            if (!(a is null && b is null))
            {
                // An empty list and null are the same on versions that cannot carry null.
                if (!((a is IList { Count: 0 } && b is null) || (b is IList { Count: 0 } && a is null)))
                {
                    diffs.Add(path);
                }
            }
            return;
        }
        var t = a.GetType();
        if (a is ReadOnlyMemory<byte> ma)
        {
            if (!ma.Span.SequenceEqual(((ReadOnlyMemory<byte>)b).Span))
            {
                diffs.Add(path);
            }
            return;
        }
        if (a is TaggedField ta)
        {
            var tb = (TaggedField)b;
            if (ta.Tag != tb.Tag || !ta.Data.Span.SequenceEqual(tb.Data.Span))
            {
                diffs.Add(path);
            }
            return;
        }
        if (t.IsPrimitive || t.IsEnum || a is string || a is RecordSet || t.IsValueType)
        {
            if (!a.Equals(b))
            {
                diffs.Add(path);
            }
            return;
        }
        if (a is IList la)
        {
            var lb = (IList)b;
            if (la.Count != lb.Count)
            {
                diffs.Add(path);
                return;
            }
            for (var i = 0; i < la.Count; i++)
            {
                Diff(la[i], lb[i], path + "[]", diffs, seen);
            }
            return;
        }
        foreach (var p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.CanWrite && p.GetIndexParameters().Length == 0)
            {
                Diff(p.GetValue(a), p.GetValue(b), path + "." + p.Name, diffs, seen);
            }
        }
    }
}

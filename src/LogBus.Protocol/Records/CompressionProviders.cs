namespace LogBus.Protocol.Records;

/// <summary>
/// The registry of record batch compression codecs. None and gzip are built in; register providers for
/// snappy, lz4 or zstd to read and write them. A broker never needs a provider to store or serve a
/// batch: it only reads the 61-byte header, which is never compressed.
/// </summary>
public static class CompressionProviders
{
    private static readonly ICompressionProvider?[] s_providers = Create();

    private static ICompressionProvider?[] Create()
    {
        var providers = new ICompressionProvider?[8];
        providers[(int)CompressionCodec.Gzip] = new GzipCompressionProvider();
        return providers;
    }

    /// <summary>Registers (or replaces) the provider of its codec. Thread-safe.</summary>
    public static void Register(ICompressionProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var codec = (int)provider.Codec;
        if (codec is <= 0 or > 4)
        {
            throw new ArgumentException($"Codec {provider.Codec} cannot be registered.", nameof(provider));
        }
        Volatile.Write(ref s_providers[codec], provider);
    }

    /// <summary>Gets the provider of <paramref name="codec"/>; false when none is registered.</summary>
    public static bool TryGet(CompressionCodec codec, out ICompressionProvider provider)
    {
        var c = (int)codec;
        provider = (uint)c < (uint)s_providers.Length ? Volatile.Read(ref s_providers[c])! : null!;
        return provider is not null;
    }

    /// <summary>
    /// Gets the provider of <paramref name="codec"/>, or throws <see cref="KafkaProtocolException"/> with
    /// <see cref="ErrorCode.UnsupportedCompressionType"/> naming the codec.
    /// </summary>
    public static ICompressionProvider Get(CompressionCodec codec)
    {
        if (TryGet(codec, out var provider))
        {
            return provider;
        }
        var known = codec is >= CompressionCodec.None and <= CompressionCodec.Zstd;
        throw new KafkaProtocolException(
            known
                ? $"Record batch compression codec {codec} ({(int)codec}) is not supported here; register an ICompressionProvider for it."
                : $"Record batch compression codec {(int)codec} is not a Kafka codec.",
            ErrorCode.UnsupportedCompressionType);
    }
}

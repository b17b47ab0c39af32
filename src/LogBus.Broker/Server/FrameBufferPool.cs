using System.Buffers;

namespace LogBus.Broker.Server;

/// <summary>
/// The pool request frames are copied into. A dedicated pool rather than <see cref="ArrayPool{T}.Shared"/>:
/// the shared pool keeps only a few arrays per size and core, so a few dozen pipelined 100 KiB produce
/// requests would miss it and allocate on the large-object heap (and trigger gen-2 collections).
/// </summary>
/// <remarks>Bound: at most <see cref="ArraysPerSize"/> arrays per power-of-two size up to
/// <see cref="MaxPooledLength"/> are kept (about 128 MiB in the worst case); larger frames are allocated
/// and dropped.</remarks>
internal static class FrameBufferPool
{
    /// <summary>Largest pooled array.</summary>
    public const int MaxPooledLength = 1 << 20;

    /// <summary>Arrays kept per size.</summary>
    public const int ArraysPerSize = 64;

    /// <summary>The pool.</summary>
    public static ArrayPool<byte> Shared { get; } = ArrayPool<byte>.Create(MaxPooledLength, ArraysPerSize);
}

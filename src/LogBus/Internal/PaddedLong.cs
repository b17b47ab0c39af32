using System.Runtime.InteropServices;

namespace LogBus.Internal;

/// <summary>A long alone on its cache line, so a producer and a consumer updating neighbours do not false-share.</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct PaddedLong
{
    [FieldOffset(64)]
    public long Value;
}

using System.Buffers;
using System.Globalization;
using System.Text;

namespace LogBus.Internal;

/// <summary>Writes the partition key of a message as UTF-8 text.</summary>
internal abstract class KeySelector<T>
{
    /// <summary>Writes the key of <paramref name="message"/>; false when the message has no key (null).</summary>
    public abstract bool TryWriteKey(T message, ArrayBufferWriter<byte> output);
}

/// <summary>A user key selector; formats the key without intermediate strings where the type allows.</summary>
internal sealed class KeySelector<T, TKey>(Func<T, TKey> selector) : KeySelector<T>
{
    public override bool TryWriteKey(T message, ArrayBufferWriter<byte> output)
    {
        var key = selector(message);
        switch (key)
        {
            case null:
                return false;
            case string s:
                WriteString(s, output);
                return true;
            case IUtf8SpanFormattable formattable:
                // Guid ("D"), integers, dates: straight to UTF-8 with the invariant culture.
                for (var size = 64; ; size *= 2)
                {
                    var span = output.GetSpan(size);
                    if (formattable.TryFormat(span, out var written, default, CultureInfo.InvariantCulture))
                    {
                        output.Advance(written);
                        return true;
                    }
                    if (size > 1 << 20)
                    {
                        break;
                    }
                }
                WriteString(Convert.ToString(key, CultureInfo.InvariantCulture) ?? string.Empty, output);
                return true;
            default:
                WriteString(Convert.ToString(key, CultureInfo.InvariantCulture) ?? string.Empty, output);
                return true;
        }
    }

    private static void WriteString(string s, ArrayBufferWriter<byte> output)
    {
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(s.Length));
        output.Advance(Encoding.UTF8.GetBytes(s, span));
    }
}

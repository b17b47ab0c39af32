using System.Globalization;

namespace LogBus.Cli.Internal;

/// <summary>Parses durations written as <c>500ms</c>, <c>10s</c>, <c>2m</c> or plain seconds (<c>10</c>, <c>0.5</c>).</summary>
internal static class Durations
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        var (number, unit) = text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : text.EndsWith('h') ? (text[..^1], 3600.0)
            : (text, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || amount < 0 || double.IsInfinity(amount) || amount * unit > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }
        value = TimeSpan.FromSeconds(amount * unit);
        return true;
    }

    public static string Format(TimeSpan value) =>
        value.TotalSeconds >= 1 ? value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s" : value.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms";
}

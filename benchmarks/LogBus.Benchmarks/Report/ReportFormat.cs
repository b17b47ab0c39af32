using System.Globalization;

namespace LogBus.Benchmarks.Report;

/// <summary>Number formatting shared by the report and the charts (invariant culture).</summary>
internal static class ReportFormat
{
    /// <summary>A value in its unit: thousands separators for rates, MB/s for bandwidth, two decimals for milliseconds.</summary>
    public static string Value(double? value, string unit) => value switch
    {
        null => "—",
        { } v when double.IsNaN(v) => "—",
        { } v => unit switch
        {
            "B/s" => (v / 1e6).ToString(v >= 1e8 ? "N0" : "N1", CultureInfo.InvariantCulture) + " MB/s",
            "ms" => v.ToString(v >= 100 ? "N0" : "N2", CultureInfo.InvariantCulture) + " ms",
            _ => v.ToString("N0", CultureInfo.InvariantCulture) + " " + unit,
        },
    };

    /// <summary>A ratio as <c>12.3×</c>.</summary>
    public static string Ratio(double? ratio) => ratio is { } r && !double.IsNaN(r)
        ? r.ToString(r >= 100 ? "N0" : "N2", CultureInfo.InvariantCulture) + "×" // two decimals: 9.99× is not 10×
        : "—";

    /// <summary>A fraction as a percentage.</summary>
    public static string Percent(double fraction) =>
        (fraction * 100).ToString(fraction >= 0.1 ? "N0" : fraction >= 0.01 ? "N1" : "N2", CultureInfo.InvariantCulture) + "%";

    /// <summary>A number with <paramref name="format"/> (invariant).</summary>
    public static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>Text safe inside a Markdown table cell.</summary>
    public static string Cell(string? text) => (text ?? "").Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}

using System.Text;

namespace LogBus.Cli.Internal;

/// <summary>A text table with left-aligned columns separated by two spaces (numbers right-aligned).</summary>
internal sealed class Table(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public int Count => _rows.Count;

    public Table Add(params object?[] cells)
    {
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"expected {headers.Length} cells, got {cells.Length}", nameof(cells));
        }
        _rows.Add(cells.Select(Text).ToArray());
        return this;
    }

    public void WriteTo(TextWriter output)
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[i].Length))).ToArray();
        var numeric = headers.Select((_, i) => _rows.Count > 0 && _rows.All(r => IsNumber(r[i]))).ToArray();
        output.WriteLine(Line(headers, widths, numeric));
        foreach (var row in _rows)
        {
            output.WriteLine(Line(row, widths, numeric));
        }
    }

    private static string Line(string[] cells, int[] widths, bool[] numeric)
    {
        var line = new StringBuilder();
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                line.Append("  ");
            }
            line.Append(numeric[i] ? cells[i].PadLeft(widths[i]) : i == cells.Length - 1 ? cells[i] : cells[i].PadRight(widths[i]));
        }
        return line.ToString().TrimEnd();
    }

    private static bool IsNumber(string cell) => cell == "-" || (cell.Length > 0 && cell.All(c => char.IsAsciiDigit(c) || c == '-'));

    private static string Text(object? cell) => cell switch
    {
        null => "-",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => cell.ToString() ?? "-",
    };
}

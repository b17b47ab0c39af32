using System.Text.Encodings.Web;
using System.Text.Json;

namespace LogBus.Cli.Internal;

/// <summary>The <c>--json</c> output: camelCase, indented documents or single-line records (JSON Lines).</summary>
internal static class Json
{
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions Compact = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes one indented document.</summary>
    public static void Write(TextWriter output, object value) => output.WriteLine(JsonSerializer.Serialize(value, Indented));

    /// <summary>Writes one record on one line.</summary>
    public static void WriteLine(TextWriter output, object value) => output.WriteLine(JsonSerializer.Serialize(value, Compact));
}

using System.Globalization;

namespace LogBus.Protocol.Tests.Support;

internal static class Hex
{
    /// <summary>Parses hex byte pairs separated by whitespace; text after '//' on a line is a comment.</summary>
    public static byte[] Parse(string text)
    {
        var bytes = new List<byte>();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine;
            var comment = line.IndexOf("//", StringComparison.Ordinal);
            if (comment >= 0)
            {
                line = line[..comment];
            }
            foreach (var token in line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries))
            {
                bytes.Add(byte.Parse(token, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
        }
        return [.. bytes];
    }
}

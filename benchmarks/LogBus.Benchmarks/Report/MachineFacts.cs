namespace LogBus.Benchmarks.Report;

/// <summary>
/// Facts about the machine and the run, written by <c>benchmarks/run.sh</c> as <c>raw/machine.env</c>
/// (<c>key=value</c> lines, in order): cores, memory, kernel, versions, load averages, commit, mode.
/// </summary>
internal sealed class MachineFacts
{
    /// <summary>The facts in file order.</summary>
    public List<KeyValuePair<string, string>> Entries { get; } = [];

    /// <summary>The value of <paramref name="key"/>, or null.</summary>
    public string? this[string key] => Entries.FirstOrDefault(e => e.Key == key).Value;

    /// <summary>Parses <c>key=value</c> lines; blank lines and <c>#</c> comments are skipped.</summary>
    public static MachineFacts Parse(string text)
    {
        var facts = new MachineFacts();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (line.Length == 0 || line.StartsWith('#') || equals <= 0)
            {
                continue;
            }
            facts.Entries.Add(new(line[..equals].Trim(), line[(equals + 1)..].Trim()));
        }
        return facts;
    }
}

namespace LogBus.Compatibility.Tests;

/// <summary>Runs kcat (librdkafka 2.0.2) against a broker.</summary>
internal static class Kcat
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public static Task<ExternalProcess.Result> RunAsync(BrokerProcess broker, string? stdin, params string[] arguments) =>
        ExternalProcess.RunAsync("kcat", ["-b", broker.Bootstrap, "-X", "socket.timeout.ms=30000", .. arguments], Timeout, stdin);

    /// <summary>Parses <c>%p\t%o\t%k\t%s</c> lines.</summary>
    public static List<(int Partition, long Offset, string Key, string Value)> ParseRecords(ExternalProcess.Result result)
    {
        var records = new List<(int, long, string, string)>();
        foreach (var line in result.Lines)
        {
            var parts = line.Split('\t');
            Assert.True(parts.Length == 4, $"unexpected kcat line '{line}'");
            records.Add((int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), parts[2], parts[3]));
        }
        return records;
    }
}

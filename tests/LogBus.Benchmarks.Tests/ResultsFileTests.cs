using LogBus.Benchmarks.Report;

namespace LogBus.Benchmarks.Tests;

public sealed class ResultsFileTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "logbus-results-tests-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public void Written_results_read_back_equal_and_machine_facts_are_not_mistaken_for_results()
    {
        var broker = ReportFixtures.Broker(logBus: 123_456.5, stream: 7_890);
        broker.Rows[0].Results[1].Profile!.ServerCpuUsPerMessage = null;
        ResultsFile.Write(Path.Combine(_directory, "broker.json"), broker);
        ResultsFile.Write(Path.Combine(_directory, "limits.json"), ReportFixtures.Limits());
        File.WriteAllText(Path.Combine(_directory, "machine.env"), "cores=2\n");

        var all = ResultsFile.ReadAll(_directory);

        Assert.Equal(["broker", "limits"], all.Select(r => r.Workload));
        var row = all[0].Row("produce-200-b50-acked")!;
        Assert.Equal(123_456.5, row.Result("LogBus")!.Value);
        Assert.Null(row.Result("RabbitMQ stream")!.Profile!.ServerCpuUsPerMessage);
        Assert.Equal(250, row.LimitBytesPerUnit);
        Assert.Equal("RabbitMQ stream", all[0].Targets[0].Peer);
    }

    [Theory]
    [InlineData("{ \"rows\": [] }")]
    [InlineData("not json")]
    [InlineData("[1, 2]")]
    public void Documents_that_are_not_results_are_rejected_with_the_file_name(string json)
    {
        var e = Assert.Throws<InvalidDataException>(() => ResultsFile.Parse(json, "raw/x.json"));
        Assert.Contains("raw/x.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Machine_facts_keep_order_skip_comments_and_keep_equals_signs_in_values()
    {
        var facts = MachineFacts.Parse("# run\nmode=quick\n\ncpu = AMD EPYC\nfilesystem=ext4 (a=b)\nnot a fact\n");
        Assert.Equal(["mode", "cpu", "filesystem"], facts.Entries.Select(e => e.Key));
        Assert.Equal("AMD EPYC", facts["cpu"]);
        Assert.Equal("ext4 (a=b)", facts["filesystem"]);
        Assert.Null(facts["cores"]);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}

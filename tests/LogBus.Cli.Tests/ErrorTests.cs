using System.Net;
using System.Net.Sockets;
using LogBus.Testing;

namespace LogBus.Cli.Tests;

/// <summary>Failures are one line on stderr and a non-zero exit code, within a bounded time.</summary>
[Collection(nameof(BrokerCollection))]
public sealed class ErrorTests(BrokerFixture fixture)
{
    private string Bootstrap => fixture.Broker.Bootstrap;

    [Fact]
    public async Task An_unreachable_broker_fails_fast_with_one_line()
    {
        var port = FreePort.Next(); // nothing listens there
        var result = await Logbus.RunAsync($"127.0.0.1:{port}", "topics", "list");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.StandardOutput);
        var line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"logbus: cannot reach the broker at 127.0.0.1:{port}: Connection refused", line);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(30), result.ToString());
    }

    [Fact]
    public async Task A_broker_that_never_answers_fails_after_the_request_timeout()
    {
        // Accepts connections and reads nothing, answers nothing.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepted = new List<Socket>();
        using var stop = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    accepted.Add(await listener.AcceptSocketAsync(stop.Token));
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var result = await Logbus.RunAsync($"127.0.0.1:{port}", "--request-timeout", "1s", "groups", "list");
            Assert.Equal(1, result.ExitCode);
            var line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"logbus: no answer from 127.0.0.1:{port} within 1 s", line, StringComparison.Ordinal);
            Assert.True(result.Elapsed < TimeSpan.FromSeconds(30), result.ToString());
        }
        finally
        {
            await stop.CancelAsync();
            await accepting;
            accepted.ForEach(s => s.Dispose());
        }
    }

    [Theory]
    [InlineData("consume", "cli-no-such-topic", "--timeout", "1s")]
    [InlineData("topics", "describe", "cli-no-such-topic")]
    [InlineData("topics", "delete", "cli-no-such-topic")]
    public async Task An_unknown_topic_is_an_error(params string[] arguments)
    {
        var result = await Logbus.RunAsync(Bootstrap, arguments);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("logbus: unknown topic 'cli-no-such-topic'", result.StandardError.Trim());
    }

    [Fact]
    public async Task Producing_to_an_unknown_topic_is_an_error_and_creates_nothing()
    {
        var result = await Logbus.RunWithInputAsync(Bootstrap, "x\n", "produce", "cli-no-such-topic-2");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("logbus: unknown topic 'cli-no-such-topic-2'", result.StandardError.Trim());
        var topics = await Logbus.JsonAsync(Bootstrap, "topics", "list");
        Assert.DoesNotContain(topics.EnumerateArray(), t => t.GetProperty("name").GetString() == "cli-no-such-topic-2");
    }

    [Fact]
    public async Task An_unknown_group_is_an_error()
    {
        var result = await Logbus.RunAsync(Bootstrap, "groups", "describe", "cli-no-such-group");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("logbus: unknown group 'cli-no-such-group'", result.StandardError.Trim());
    }

    [Theory]
    [InlineData("--bootstrap", "{broker}", "--request-timeout", "soon", "topics", "list")]
    [InlineData("--bootstrap", "no-port", "topics", "list")]
    [InlineData("--bootstrap", "{broker}", "--bootstrap", "{broker}", "topics", "list")]
    [InlineData("--bootstrap", "{broker}", "topics", "create", "cli-never", "--partitions", "many")]
    [InlineData("--bootstrap", "{broker}", "topics", "create", "cli-never", "--partitions", "0")]
    [InlineData("--bootstrap", "{broker}", "frobnicate")]
    [InlineData("--bootstrap", "{broker}", "consume")]
    public async Task Bad_command_lines_exit_with_2_and_change_nothing(params string[] arguments)
    {
        var result = await Logbus.RawAsync(arguments.Select(a => a.Replace("{broker}", Bootstrap, StringComparison.Ordinal)).ToArray());
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal("", result.StandardOutput);
        Assert.StartsWith("logbus: ", result.StandardError, StringComparison.Ordinal);
        var topics = await Logbus.JsonAsync(Bootstrap, "topics", "list");
        Assert.DoesNotContain(topics.EnumerateArray(), t => t.GetProperty("name").GetString() == "cli-never");
    }
}

// logbus: a command-line tool for Kafka-protocol brokers (the LogBus broker, Apache Kafka, Redpanda).
//
//   logbus --bootstrap 127.0.0.1:9092 topics list
//   printf 'k1\thello\n' | logbus produce orders
//   logbus consume orders --from-beginning --max-messages 10
//   logbus groups describe orders.order-saga
//
// Tables by default, --json for scripts. Exit code 0 on success; 1 with one line on stderr when the
// broker is unreachable, a topic or group is unknown, or the broker refuses; 2 for bad option values and
// command lines that do not parse (unknown command, missing argument, an option given twice).
using System.CommandLine;
using LogBus.Cli.Commands;
using LogBus.Cli.Internal;

var root = new RootCommand("logbus: topics, messages and consumer groups of a Kafka-protocol broker (LogBus, Apache Kafka, Redpanda)")
{
    GlobalOptions.Bootstrap,
    GlobalOptions.Json,
    GlobalOptions.RequestTimeout,
};
root.Subcommands.Add(TopicsCommand.Create());
root.Subcommands.Add(ProduceCommand.Create());
root.Subcommands.Add(ConsumeCommand.Create());
root.Subcommands.Add(GroupsCommand.Create());
var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    if (args.Length == 0)
    {
        await root.Parse(["--help"]).InvokeAsync();
    }
    foreach (var error in parse.Errors)
    {
        await Console.Error.WriteLineAsync("logbus: " + error.Message);
    }
    await Console.Error.WriteLineAsync("Run 'logbus --help' (or 'logbus COMMAND --help') for usage.");
    return 2;
}
return await parse.InvokeAsync();

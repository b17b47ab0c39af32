using LogBus.Broker;
using LogBus.Broker.Host;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(BrokerHostOptions.Usage);
    return 0;
}

var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration
    .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
    .AddJsonFile(Path.Combine(Environment.CurrentDirectory, "appsettings.json"), optional: true)
    .AddEnvironmentVariables("LOGBUS_")
    .AddInMemoryCollection(BrokerHostOptions.FromEnvironment(Environment.GetEnvironmentVariables()))
    .AddCommandLine(args, BrokerHostOptions.Switches);

LogBusBrokerOptions options;
try
{
    options = BrokerHostOptions.Read(builder.Configuration);
    options.Validate();
}
catch (Exception e) when (e is FormatException or ArgumentException)
{
    Console.Error.WriteLine($"logbus-broker: {e.Message}");
    Console.Error.WriteLine(BrokerHostOptions.Usage);
    return 2;
}

builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
if (BrokerHostOptions.JsonLogs(builder.Configuration))
{
    builder.Logging.AddJsonConsole(o => o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ");
}
else
{
    builder.Logging.AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fff ";
        o.UseUtcTimestamp = true;
    });
}
builder.Services.AddSingleton(options);
builder.Services.AddHostedService<BrokerService>();
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));

using var host = builder.Build();
try
{
    await host.RunAsync().ConfigureAwait(false);
    return 0;
}
catch (Exception e)
{
    host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("LogBus.Broker.Host").LogCritical(e, "The broker failed: {Reason}", e.Message);
    return 1;
}

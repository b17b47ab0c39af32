namespace Orders.Hosting;

/// <summary>Start-up log lines (structured: the values are fields, not just text).</summary>
public static partial class StartupLog
{
    [LoggerMessage(LogLevel.Information, "Orders: database {Database}, broker {Broker}")]
    public static partial void Configuration(ILogger logger, string database, string broker);

    [LoggerMessage(LogLevel.Warning, "Orders: {Note}")]
    public static partial void PortTaken(ILogger logger, string note);
}

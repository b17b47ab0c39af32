using System.Globalization;
using LogBus.Broker.Storage;

namespace LogBus.Broker.Server;

/// <summary>
/// Kafka topic config names ↔ <see cref="LogConfig"/>: the configs this broker stores per topic
/// (CreateTopics accepts them, DescribeConfigs reports them).
/// </summary>
internal static class TopicConfigs
{
    /// <summary>The names we know, in the order DescribeConfigs lists them.</summary>
    public static readonly string[] Names =
    [
        "cleanup.policy", "flush.messages", "flush.ms", "index.interval.bytes", "max.message.bytes",
        "retention.bytes", "retention.ms", "segment.bytes", "segment.ms",
    ];

    /// <summary>The value of config <paramref name="name"/> in <paramref name="config"/>, or null when unknown.</summary>
    public static string? Get(LogConfig config, string name) => name switch
    {
        "cleanup.policy" => config.CleanupPolicy == CleanupPolicy.Compact ? "compact" : "delete",
        "flush.messages" => config.FlushOnEveryAppend ? "1" : config.FlushMessages.ToString(CultureInfo.InvariantCulture),
        "flush.ms" => config.FlushOnEveryAppend ? "0" : config.FlushMs.ToString(CultureInfo.InvariantCulture),
        "index.interval.bytes" => config.IndexIntervalBytes.ToString(CultureInfo.InvariantCulture),
        "max.message.bytes" => config.MaxBatchBytes.ToString(CultureInfo.InvariantCulture),
        "retention.bytes" => config.RetentionBytes.ToString(CultureInfo.InvariantCulture),
        "retention.ms" => config.RetentionMs.ToString(CultureInfo.InvariantCulture),
        "segment.bytes" => config.SegmentBytes.ToString(CultureInfo.InvariantCulture),
        "segment.ms" => config.SegmentMs.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>
    /// Applies a config to <paramref name="config"/>. False (with a reason) for an unknown name or a bad
    /// value. <c>flush.messages=1</c> means an fsync per append (<see cref="LogConfig.FlushOnEveryAppend"/>).
    /// </summary>
    public static bool TryApply(ref LogConfig config, string name, string? value, out string? error)
    {
        error = null;
        if (value is null)
        {
            return true; // null means "default"
        }
        long number = 0;
        var numeric = name != "cleanup.policy";
        if (numeric && !long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out number))
        {
            error = $"'{value}' is not a number for {name}";
            return false;
        }
        try
        {
            config = name switch
            {
                "cleanup.policy" => value switch
                {
                    "delete" => config with { CleanupPolicy = CleanupPolicy.Delete },
                    "compact" => config with { CleanupPolicy = CleanupPolicy.Compact },
                    _ => throw new ArgumentException($"cleanup.policy must be delete or compact, not '{value}'"),
                },
                "flush.messages" => number == 1 ? config with { FlushOnEveryAppend = true } : config with { FlushMessages = number },
                "flush.ms" => config with { FlushMs = number },
                "index.interval.bytes" => config with { IndexIntervalBytes = checked((int)number) },
                "max.message.bytes" => config with { MaxBatchBytes = checked((int)number) },
                "retention.bytes" => config with { RetentionBytes = number },
                "retention.ms" => config with { RetentionMs = number },
                "segment.bytes" => config with { SegmentBytes = checked((int)number) },
                "segment.ms" => config with { SegmentMs = number },
                _ => throw new ArgumentException($"unknown topic config {name}"),
            };
            config.Validate();
            return true;
        }
        catch (Exception e) when (e is ArgumentException or OverflowException)
        {
            error = e.Message;
            return false;
        }
    }
}

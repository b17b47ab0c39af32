using System.Globalization;
using LogBus.Broker.Storage;
using Microsoft.Extensions.Configuration;

namespace LogBus.Broker.Host;

/// <summary>
/// The host's settings, read from configuration (appsettings.json, then <c>LOGBUS_</c> environment
/// variables, then the command line; later sources win) into <see cref="LogBusBrokerOptions"/>.
/// </summary>
internal static class BrokerHostOptions
{
    /// <summary>Command-line switches → configuration keys (section <c>Broker</c>).</summary>
    public static readonly Dictionary<string, string> Switches = new(StringComparer.Ordinal)
    {
        ["--listen"] = "Broker:Listen",
        ["--advertised-host"] = "Broker:AdvertisedHost",
        ["--data-dir"] = "Broker:DataDir",
        ["--node-id"] = "Broker:NodeId",
        ["--auto-create-topics"] = "Broker:AutoCreateTopics",
        ["--default-partitions"] = "Broker:DefaultPartitions",
        ["--flush-every-append"] = "Broker:FlushEveryAppend",
        ["--log-format"] = "Broker:LogFormat",
        ["--group-initial-rebalance-delay-ms"] = "Broker:GroupInitialRebalanceDelayMs",
        ["--group-min-session-timeout-ms"] = "Broker:GroupMinSessionTimeoutMs",
        ["--offsets-retention-minutes"] = "Broker:OffsetsRetentionMinutes",
        ["--controller-listen"] = "Broker:ControllerListen",
        ["--controller-quorum"] = "Broker:ControllerQuorum",
        ["--default-replication-factor"] = "Broker:DefaultReplicationFactor",
        ["--min-insync-replicas"] = "Broker:MinInsyncReplicas",
        ["--replica-lag-time-max-ms"] = "Broker:ReplicaLagTimeMaxMs",
        ["--broker-heartbeat-interval-ms"] = "Broker:BrokerHeartbeatIntervalMs",
        ["--broker-session-timeout-ms"] = "Broker:BrokerSessionTimeoutMs",
    };

    /// <summary>The usage text.</summary>
    public const string Usage = """
        logbus-broker: a broker speaking the Apache Kafka protocol (single node, or a replicated cluster)

        Options (also appsettings.json section "Broker", or LOGBUS_<NAME> environment variables, e.g. LOGBUS_DATA_DIR):
          --listen HOST:PORT            address to listen on (default 127.0.0.1:9092; port 0 picks a free port)
          --advertised-host HOST        host name given to clients in Metadata (default: the listen host)
          --data-dir DIR                data directory (default ./data)
          --node-id N                   node id (default 0)
          --auto-create-topics BOOL     create unknown topics on Metadata requests (default true)
          --default-partitions N        partitions of auto-created topics (default 1)
          --flush-every-append BOOL     fsync every append before acknowledging it (default false)
          --log-format simple|json      console log format (default simple)
          --group-initial-rebalance-delay-ms N   wait for more members before an empty group's first rebalance (default 1000)
          --group-min-session-timeout-ms N       smallest session timeout a consumer may ask for (default 6000)
          --offsets-retention-minutes N          keep committed offsets of empty groups this long (default 10080)

        Cluster mode (several brokers replicating each other; without --controller-quorum the broker runs alone):
          --controller-quorum ID@HOST:PORT,...   metadata quorum voters; this node must be one of them
          --controller-listen HOST:PORT          controller listener (default: this node's quorum endpoint)
          --default-replication-factor N         replicas of new topics (default 1)
          --min-insync-replicas N                ISR size below which acks=all is refused (default 1)
          --replica-lag-time-max-ms N            a follower this far behind leaves the ISR (default 10000)
          --broker-heartbeat-interval-ms N       heartbeats to the active controller (default 500)
          --broker-session-timeout-ms N          a broker silent this long is fenced, its leaderships move (default 3000)
          --help                        this text
        """;

    /// <summary>Maps configuration to broker options. Throws <see cref="FormatException"/> for bad values.</summary>
    public static LogBusBrokerOptions Read(IConfiguration configuration)
    {
        var section = configuration.GetSection("Broker");
        var options = new LogBusBrokerOptions();
        var listen = Get(section, "Listen") ?? "127.0.0.1:9092";
        var colon = listen.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(listen.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            throw new FormatException($"--listen must be HOST:PORT (was '{listen}').");
        }
        options.ListenAddress = listen[..colon].Trim('[', ']');
        options.Port = port;
        options.AdvertisedHost = Get(section, "AdvertisedHost");
        options.DataDirectory = Get(section, "DataDir") ?? "./data";
        options.NodeId = Int(section, "NodeId", 0);
        options.AutoCreateTopics = Bool(section, "AutoCreateTopics", true);
        options.DefaultPartitions = Int(section, "DefaultPartitions", 1);
        if (Bool(section, "FlushEveryAppend", false))
        {
            options.DefaultLogConfig = LogConfig.Default with { FlushOnEveryAppend = true };
        }
        options.Groups.InitialRebalanceDelay = TimeSpan.FromMilliseconds(Int(section, "GroupInitialRebalanceDelayMs", 1000));
        options.Groups.MinSessionTimeout = TimeSpan.FromMilliseconds(Int(section, "GroupMinSessionTimeoutMs", 6000));
        options.Groups.OffsetsRetention = TimeSpan.FromMinutes(Int(section, "OffsetsRetentionMinutes", 7 * 24 * 60));
        options.ControllerQuorum = Get(section, "ControllerQuorum");
        options.ControllerListen = Get(section, "ControllerListen");
        options.DefaultReplicationFactor = Int(section, "DefaultReplicationFactor", 1);
        options.MinInSyncReplicas = Int(section, "MinInsyncReplicas", 1);
        options.ReplicaLagTimeMax = TimeSpan.FromMilliseconds(Int(section, "ReplicaLagTimeMaxMs", 10_000));
        options.BrokerHeartbeatInterval = TimeSpan.FromMilliseconds(Int(section, "BrokerHeartbeatIntervalMs", 500));
        options.BrokerSessionTimeout = TimeSpan.FromMilliseconds(Int(section, "BrokerSessionTimeoutMs", 3000));
        return options;
    }

    /// <summary>True when logs should be JSON lines.</summary>
    public static bool JsonLogs(IConfiguration configuration) =>
        string.Equals(Get(configuration.GetSection("Broker"), "LogFormat"), "json", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// <c>LOGBUS_DATA_DIR=x</c> style variables (one per command-line switch: upper case, dashes as
    /// underscores) as <c>Broker:DataDir</c> configuration entries.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string?>> FromEnvironment(System.Collections.IDictionary environment)
    {
        foreach (var (option, key) in Switches)
        {
            var name = "LOGBUS_" + option.TrimStart('-').Replace('-', '_').ToUpperInvariant();
            if (environment[name] is string value)
            {
                yield return new KeyValuePair<string, string?>(key, value);
            }
        }
    }

    private static string? Get(IConfigurationSection section, string key) => string.IsNullOrWhiteSpace(section[key]) ? null : section[key];

    private static int Int(IConfigurationSection section, string key, int fallback)
    {
        var value = Get(section, key);
        if (value is null)
        {
            return fallback;
        }
        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : throw new FormatException($"{key} must be an integer (was '{value}').");
    }

    private static bool Bool(IConfigurationSection section, string key, bool fallback)
    {
        var value = Get(section, key);
        if (value is null)
        {
            return fallback;
        }
        return bool.TryParse(value, out var b) ? b : throw new FormatException($"{key} must be true or false (was '{value}').");
    }
}

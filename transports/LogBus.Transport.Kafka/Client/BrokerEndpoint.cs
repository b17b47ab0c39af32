using System.Globalization;

namespace LogBus.Transport.Kafka.Client;

/// <summary>A broker's address.</summary>
/// <param name="Host">Host name or IP address.</param>
/// <param name="Port">TCP port.</param>
internal readonly record struct BrokerEndpoint(string Host, int Port)
{
    /// <summary>Parses <c>host:port[,host:port...]</c>; IPv6 hosts go in brackets (<c>[::1]:9092</c>).</summary>
    public static IReadOnlyList<BrokerEndpoint> ParseList(string servers)
    {
        ArgumentNullException.ThrowIfNull(servers);
        var result = new List<BrokerEndpoint>();
        foreach (var part in servers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            result.Add(Parse(part));
        }
        if (result.Count == 0)
        {
            throw new ArgumentException($"'{servers}' names no broker; expected host:port[,host:port...].", nameof(servers));
        }
        return result;
    }

    /// <summary>Parses one <c>host:port</c>.</summary>
    public static BrokerEndpoint Parse(string value)
    {
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || colon == value.Length - 1
            || !int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535)
        {
            throw new ArgumentException($"'{value}' is not a broker address; expected host:port.", nameof(value));
        }
        var host = value[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        return new BrokerEndpoint(host, port);
    }

    /// <inheritdoc />
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

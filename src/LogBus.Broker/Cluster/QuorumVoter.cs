using System.Globalization;

namespace LogBus.Broker.Cluster;

/// <summary>One voter of the metadata quorum: node id and controller endpoint (<c>id@host:port</c>).</summary>
/// <param name="Id">Node id (positive).</param>
/// <param name="Host">Controller listener host.</param>
/// <param name="Port">Controller listener port.</param>
public sealed record QuorumVoter(int Id, string Host, int Port)
{
    /// <summary>Parses <c>1@127.0.0.1:9192,2@127.0.0.1:9193</c> (Kafka's <c>controller.quorum.voters</c> syntax).</summary>
    /// <exception cref="FormatException">The text is not a list of <c>id@host:port</c> with distinct positive ids.</exception>
    public static IReadOnlyList<QuorumVoter> ParseList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var voters = new List<QuorumVoter>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = part.IndexOf('@', StringComparison.Ordinal);
            var colon = part.LastIndexOf(':');
            if (at <= 0 || colon <= at + 1
                || !int.TryParse(part.AsSpan(0, at), NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0
                || !int.TryParse(part.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is <= 0 or > 65535)
            {
                throw new FormatException($"'{part}' is not a voter of the form id@host:port.");
            }

            voters.Add(new QuorumVoter(id, part[(at + 1)..colon], port));
        }

        if (voters.Count == 0 || voters.Select(v => v.Id).Distinct().Count() != voters.Count)
        {
            throw new FormatException($"'{text}' must list at least one voter, each id once.");
        }

        return voters;
    }
}

using System.Net;
using LogBus.Broker.Server;

namespace LogBus.Broker.Groups.Handlers;

/// <summary>What the group handlers read from a request context.</summary>
internal static class GroupHandlerContext
{
    /// <summary>The client's address as Kafka shows it (<c>/127.0.0.1</c>).</summary>
    public static string ClientHost(RequestContext context) => context.RemoteEndPoint switch
    {
        IPEndPoint ip => "/" + ip.Address,
        { } other => other.ToString() ?? string.Empty,
        null => string.Empty,
    };
}

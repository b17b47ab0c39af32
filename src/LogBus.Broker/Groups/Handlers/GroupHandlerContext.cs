using LogBus.Protocol;
using System.Net;
using LogBus.Broker.Server;

namespace LogBus.Broker.Groups.Handlers;

/// <summary>What the group handlers read from a request context.</summary>
internal static class GroupHandlerContext
{
    /// <summary>
    /// The group coordinator when this broker coordinates groups: always on a single node; in cluster
    /// mode only on the broker <see cref="Cluster.CoordinatorPlacement"/> names (others get NOT_COORDINATOR).
    /// Null with <paramref name="error"/> otherwise.
    /// </summary>
    public static GroupCoordinator? Coordinator(RequestContext context, out ErrorCode error)
    {
        var services = context.Services;
        if (services.Replicas is { } replicas && Cluster.CoordinatorPlacement.CoordinatorId(replicas.Quorum.Image, services.Metadata.NodeId) != services.Metadata.NodeId)
        {
            error = ErrorCode.NotCoordinator;
            return null;
        }
        error = ErrorCode.CoordinatorNotAvailable;
        return services.Groups;
    }

    /// <summary>The client's address as Kafka shows it (<c>/127.0.0.1</c>).</summary>
    public static string ClientHost(RequestContext context) => context.RemoteEndPoint switch
    {
        IPEndPoint ip => "/" + ip.Address,
        { } other => other.ToString() ?? string.Empty,
        null => string.Empty,
    };
}

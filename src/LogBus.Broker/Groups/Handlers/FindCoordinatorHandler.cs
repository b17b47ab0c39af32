using LogBus.Broker.Server;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Groups.Handlers;

/// <summary>
/// FindCoordinator (10): a single broker coordinates every group (key type 0) and every transactional
/// id (key type 1), so the answer is this broker; other key types get INVALID_REQUEST.
/// </summary>
internal sealed class FindCoordinatorHandler : RequestHandler<FindCoordinatorRequest>
{
    public override ApiKey ApiKey => ApiKey.FindCoordinator;

    protected override ValueTask<KafkaResponse?> HandleAsync(RequestContext context, FindCoordinatorRequest request)
    {
        if (request.KeyType is not (0 or 1))
        {
            return Done(new FindCoordinatorResponse { ErrorCode = ErrorCode.InvalidRequest, ErrorMessage = $"Unknown key type {request.KeyType}.", NodeId = -1 });
        }
        if (request.KeyType == 0 && context.Services.Groups is null)
        {
            return Done(new FindCoordinatorResponse { ErrorCode = ErrorCode.CoordinatorNotAvailable, NodeId = -1 });
        }
        var self = context.Services.Metadata;
        if (context.Services.Replicas is { } replicas)
        {
            // Cluster mode: one broker coordinates (see CoordinatorPlacement).
            var image = replicas.Quorum.Image;
            var id = Cluster.CoordinatorPlacement.CoordinatorId(image, self.NodeId);
            if (id != self.NodeId && image.Brokers.TryGetValue(id, out var broker))
            {
                return Done(new FindCoordinatorResponse { NodeId = broker.Id, Host = broker.Host, Port = broker.Port });
            }
        }
        return Done(new FindCoordinatorResponse { NodeId = self.NodeId, Host = self.Host, Port = self.Port });
    }
}

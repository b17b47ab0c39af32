using LogBus.Broker.Server;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Groups.Handlers;

/// <summary>ListGroups (16).</summary>
internal sealed class ListGroupsHandler : RequestHandler<ListGroupsRequest>
{
    public override ApiKey ApiKey => ApiKey.ListGroups;

    protected override ValueTask<KafkaResponse?> HandleAsync(RequestContext context, ListGroupsRequest request) =>
        Done(context.Services.Groups is { } groups
            ? groups.ListGroups()
            : new ListGroupsResponse { ErrorCode = ErrorCode.CoordinatorNotAvailable });
}

using LogBus.Broker.Server;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Groups.Handlers;

/// <summary>DeleteGroups (42): removes empty groups and their offsets (answered after the tombstones are fsynced).</summary>
internal sealed class DeleteGroupsHandler : RequestHandler<DeleteGroupsRequest>
{
    public override ApiKey ApiKey => ApiKey.DeleteGroups;

    protected override async ValueTask<KafkaResponse?> HandleAsync(RequestContext context, DeleteGroupsRequest request)
    {
        if (context.Services.Groups is { } groups)
        {
            return await groups.DeleteGroupsAsync(request).ConfigureAwait(false);
        }
        return new DeleteGroupsResponse
        {
            Results = request.GroupsNames.Select(g => new DeleteGroupsResponse.Result { GroupId = g, ErrorCode = ErrorCode.CoordinatorNotAvailable }).ToList(),
        };
    }
}

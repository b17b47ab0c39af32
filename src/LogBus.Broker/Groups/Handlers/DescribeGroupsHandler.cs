using LogBus.Broker.Server;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Groups.Handlers;

/// <summary>DescribeGroups (15): state, protocol, members with metadata and assignment.</summary>
internal sealed class DescribeGroupsHandler : RequestHandler<DescribeGroupsRequest>
{
    public override ApiKey ApiKey => ApiKey.DescribeGroups;

    protected override ValueTask<KafkaResponse?> HandleAsync(RequestContext context, DescribeGroupsRequest request)
    {
        if (context.Services.Groups is { } groups)
        {
            return Done(groups.DescribeGroups(request));
        }
        var response = new DescribeGroupsResponse();
        foreach (var id in request.Groups)
        {
            response.Groups.Add(new DescribeGroupsResponse.Group { GroupId = id, ErrorCode = ErrorCode.CoordinatorNotAvailable });
        }
        return Done(response);
    }
}

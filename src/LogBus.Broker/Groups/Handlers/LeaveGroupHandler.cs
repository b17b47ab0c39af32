using LogBus.Broker.Server;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Groups.Handlers;

/// <summary>LeaveGroup (13): v0-2 one member, v3 a batch.</summary>
internal sealed class LeaveGroupHandler : RequestHandler<LeaveGroupRequest>
{
    public override ApiKey ApiKey => ApiKey.LeaveGroup;

    protected override ValueTask<KafkaResponse?> HandleAsync(RequestContext context, LeaveGroupRequest request) =>
        Done(GroupHandlerContext.Coordinator(context, out var error) is { } groups
            ? groups.LeaveGroup(request, context.ApiVersion)
            : new LeaveGroupResponse { ErrorCode = error });
}

using LogBus.Broker.Server;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Groups.Handlers;

/// <summary>JoinGroup (11): held until the rebalance completes (see <see cref="GroupCoordinator.JoinGroupAsync"/>).</summary>
internal sealed class JoinGroupHandler : RequestHandler<JoinGroupRequest>
{
    public override ApiKey ApiKey => ApiKey.JoinGroup;

    protected override async ValueTask<KafkaResponse?> HandleAsync(RequestContext context, JoinGroupRequest request)
    {
        if (GroupHandlerContext.Coordinator(context, out var error) is not { } groups)
        {
            return new JoinGroupResponse { ErrorCode = error, MemberId = request.MemberId };
        }
        return await groups.JoinGroupAsync(request, context.ApiVersion, context.ClientId ?? string.Empty, GroupHandlerContext.ClientHost(context)).ConfigureAwait(false);
    }
}

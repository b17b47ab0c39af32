using LogBus.Broker.Server;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Groups.Handlers;

/// <summary>SyncGroup (14): held until the leader's assignment is durable (see <see cref="GroupCoordinator.SyncGroupAsync"/>).</summary>
internal sealed class SyncGroupHandler : RequestHandler<SyncGroupRequest>
{
    public override ApiKey ApiKey => ApiKey.SyncGroup;

    protected override async ValueTask<KafkaResponse?> HandleAsync(RequestContext context, SyncGroupRequest request)
    {
        if (GroupHandlerContext.Coordinator(context, out var error) is not { } groups)
        {
            return new SyncGroupResponse { ErrorCode = error };
        }
        return await groups.SyncGroupAsync(request).ConfigureAwait(false);
    }
}

using LogBus.Broker.Server;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Groups.Handlers;

/// <summary>Heartbeat (12).</summary>
internal sealed class HeartbeatHandler : RequestHandler<HeartbeatRequest>
{
    public override ApiKey ApiKey => ApiKey.Heartbeat;

    protected override ValueTask<KafkaResponse?> HandleAsync(RequestContext context, HeartbeatRequest request) =>
        Done(GroupHandlerContext.Coordinator(context, out var error) is { } groups
            ? groups.Heartbeat(request)
            : new HeartbeatResponse { ErrorCode = error });
}

using LogBus.Broker.Server;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Groups.Handlers;

/// <summary>OffsetFetch (9): committed offsets, -1 where none; null topics (v2+) return all.</summary>
internal sealed class OffsetFetchHandler : RequestHandler<OffsetFetchRequest>
{
    public override ApiKey ApiKey => ApiKey.OffsetFetch;

    protected override ValueTask<KafkaResponse?> HandleAsync(RequestContext context, OffsetFetchRequest request) =>
        Done(GroupHandlerContext.Coordinator(context, out var error) is { } groups
            ? groups.FetchOffsets(request, context.ApiVersion)
            : new OffsetFetchResponse { ErrorCode = error });
}

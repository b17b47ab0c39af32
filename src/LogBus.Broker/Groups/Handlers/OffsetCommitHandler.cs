using LogBus.Broker.Server;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Groups.Handlers;

/// <summary>OffsetCommit (8): answered after the commit is fsynced.</summary>
internal sealed class OffsetCommitHandler : RequestHandler<OffsetCommitRequest>
{
    public override ApiKey ApiKey => ApiKey.OffsetCommit;

    protected override async ValueTask<KafkaResponse?> HandleAsync(RequestContext context, OffsetCommitRequest request)
    {
        if (GroupHandlerContext.Coordinator(context, out var error) is { } groups)
        {
            return await groups.CommitOffsetsAsync(request, context.ApiVersion).ConfigureAwait(false);
        }
        var response = new OffsetCommitResponse();
        foreach (var t in request.Topics)
        {
            response.Topics.Add(new TopicPartitionErrors
            {
                Name = t.Name,
                Partitions = t.Partitions.Select(p => new PartitionError { PartitionIndex = p.PartitionIndex, ErrorCode = error }).ToList(),
            });
        }
        return response;
    }
}

using LogBus.Broker.Server;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Transactions.Handlers;

/// <summary>TxnOffsetCommit (28): consumer offsets that commit with the transaction (invisible to OffsetFetch until then).</summary>
internal sealed class TxnOffsetCommitHandler : RequestHandler<TxnOffsetCommitRequest>
{
    public override ApiKey ApiKey => ApiKey.TxnOffsetCommit;

    protected override async ValueTask<KafkaResponse?> HandleAsync(RequestContext context, TxnOffsetCommitRequest request)
    {
        if (context.Services.Transactions is { } transactions)
        {
            return await transactions.TxnOffsetCommitAsync(request).ConfigureAwait(false);
        }
        var response = new TxnOffsetCommitResponse();
        foreach (var t in request.Topics)
        {
            response.Topics.Add(new TopicPartitionErrors { Name = t.Name, Partitions = t.Partitions.Select(p => new PartitionError { PartitionIndex = p.PartitionIndex, ErrorCode = ErrorCode.CoordinatorNotAvailable }).ToList() });
        }
        return response;
    }
}

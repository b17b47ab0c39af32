using LogBus.Broker.Server;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Transactions.Handlers;

/// <summary>AddPartitionsToTxn (24): adds partitions to the producer's open transaction before its first batch to each.</summary>
internal sealed class AddPartitionsToTxnHandler : RequestHandler<AddPartitionsToTxnRequest>
{
    public override ApiKey ApiKey => ApiKey.AddPartitionsToTxn;

    protected override async ValueTask<KafkaResponse?> HandleAsync(RequestContext context, AddPartitionsToTxnRequest request)
    {
        if (context.Services.Transactions is { } transactions)
        {
            return await transactions.AddPartitionsAsync(request).ConfigureAwait(false);
        }
        var response = new AddPartitionsToTxnResponse();
        foreach (var t in request.Topics)
        {
            response.Results.Add(new TopicPartitionErrors { Name = t.Name, Partitions = t.Partitions.Select(p => new PartitionError { PartitionIndex = p, ErrorCode = ErrorCode.CoordinatorNotAvailable }).ToList() });
        }
        return response;
    }
}

using LogBus.Broker.Server;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Transactions.Handlers;

/// <summary>AddOffsetsToTxn (25): adds a consumer group to the producer's open transaction (before TxnOffsetCommit).</summary>
internal sealed class AddOffsetsToTxnHandler : RequestHandler<AddOffsetsToTxnRequest>
{
    public override ApiKey ApiKey => ApiKey.AddOffsetsToTxn;

    protected override async ValueTask<KafkaResponse?> HandleAsync(RequestContext context, AddOffsetsToTxnRequest request)
    {
        if (context.Services.Transactions is { } transactions)
        {
            return await transactions.AddOffsetsAsync(request).ConfigureAwait(false);
        }
        return new AddOffsetsToTxnResponse { ErrorCode = ErrorCode.CoordinatorNotAvailable };
    }
}

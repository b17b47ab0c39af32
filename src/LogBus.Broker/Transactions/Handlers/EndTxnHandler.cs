using LogBus.Broker.Server;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Transactions.Handlers;

/// <summary>EndTxn (26): commits or aborts the producer's transaction; answered once the markers are written.</summary>
internal sealed class EndTxnHandler : RequestHandler<EndTxnRequest>
{
    public override ApiKey ApiKey => ApiKey.EndTxn;

    protected override async ValueTask<KafkaResponse?> HandleAsync(RequestContext context, EndTxnRequest request)
    {
        if (context.Services.Transactions is { } transactions)
        {
            return await transactions.EndTxnAsync(request).ConfigureAwait(false);
        }
        return new EndTxnResponse { ErrorCode = ErrorCode.CoordinatorNotAvailable };
    }
}

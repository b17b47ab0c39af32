using LogBus.Broker.Storage;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Server.Handlers;

/// <summary>
/// InitProducerId (22): hands an idempotent producer a new producer id with epoch 0 (ids are never
/// reused, see <see cref="Producers.ProducerIdAllocator"/>). With a transactional id the transaction
/// coordinator binds the id to a producer id and bumps its epoch (fencing older instances).
/// </summary>
internal sealed class InitProducerIdHandler : RequestHandler<InitProducerIdRequest>
{
    public override ApiKey ApiKey => ApiKey.InitProducerId;

    protected override ValueTask<KafkaResponse?> HandleAsync(RequestContext context, InitProducerIdRequest request)
    {
        if (request.TransactionalId is not null)
        {
            return context.Services.Transactions is { } transactions
                ? InitTransactionalAsync(transactions, request)
                : Done(new InitProducerIdResponse { ErrorCode = ErrorCode.CoordinatorNotAvailable });
        }
        try
        {
            var id = context.Services.ProducerIds.Allocate();
            if (context.Services.Replicas is not null)
            {
                // Cluster mode: every broker allocates from its own file, so ids carry the node id in
                // their low 10 bits to stay unique across the cluster (a new leader deduplicates by id).
                id = (id << 10) | (uint)(context.Services.Metadata.NodeId & 0x3FF);
            }
            return Done(new InitProducerIdResponse { ProducerId = id, ProducerEpoch = 0 });
        }
        catch (StorageException)
        {
            return Done(new InitProducerIdResponse { ErrorCode = ErrorCode.KafkaStorageError });
        }
    }

    private static async ValueTask<KafkaResponse?> InitTransactionalAsync(Transactions.TransactionCoordinator transactions, InitProducerIdRequest request) =>
        await transactions.InitProducerIdAsync(request.TransactionalId!, request.TransactionTimeoutMs).ConfigureAwait(false);
}

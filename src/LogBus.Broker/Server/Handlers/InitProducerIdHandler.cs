using LogBus.Broker.Storage;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Server.Handlers;

/// <summary>
/// InitProducerId (22): hands an idempotent producer a new producer id with epoch 0 (ids are never
/// reused, see <see cref="Producers.ProducerIdAllocator"/>). Transactional ids are refused until the
/// transaction coordinator exists (TRANSACTIONAL_ID_AUTHORIZATION_FAILED, so clients fail clearly).
/// </summary>
internal sealed class InitProducerIdHandler : RequestHandler<InitProducerIdRequest>
{
    public override ApiKey ApiKey => ApiKey.InitProducerId;

    protected override ValueTask<KafkaResponse?> HandleAsync(RequestContext context, InitProducerIdRequest request)
    {
        if (request.TransactionalId is not null)
        {
            return Done(new InitProducerIdResponse { ErrorCode = ErrorCode.TransactionalIdAuthorizationFailed });
        }
        try
        {
            return Done(new InitProducerIdResponse { ProducerId = context.Services.ProducerIds.Allocate(), ProducerEpoch = 0 });
        }
        catch (StorageException)
        {
            return Done(new InitProducerIdResponse { ErrorCode = ErrorCode.KafkaStorageError });
        }
    }
}

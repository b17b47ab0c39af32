using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Server.Handlers;

/// <summary>
/// ApiVersions (18): the registered APIs with the codec's version ranges. The response always uses
/// response header v0. An unsupported ApiVersions version is answered by the connection itself (v0,
/// error 35, same ranges) because it cannot be decoded.
/// </summary>
internal sealed class ApiVersionsHandler(RequestHandlerRegistry registry) : RequestHandler<ApiVersionsRequest>
{
    public override ApiKey ApiKey => ApiKey.ApiVersions;

    protected override ValueTask<KafkaResponse?> HandleAsync(RequestContext context, ApiVersionsRequest request)
    {
        var response = new ApiVersionsResponse();
        response.ApiKeys.AddRange(registry.Advertised);
        return Done(response);
    }
}

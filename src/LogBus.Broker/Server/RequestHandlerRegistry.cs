using LogBus.Broker.Server.Handlers;
using LogBus.Protocol;

namespace LogBus.Broker.Server;

/// <summary>
/// The handlers of this broker, by API key. <see cref="CreateDefault"/> is the one place that lists
/// them: adding an API is writing one <see cref="IRequestHandler"/> and one line there. ApiVersions
/// advertises exactly the registered APIs (with the codec's version ranges).
/// </summary>
/// <remarks>Built before the server starts, read-only afterwards (lock-free lookups).</remarks>
internal sealed class RequestHandlerRegistry
{
    private readonly IRequestHandler?[] _handlers = new IRequestHandler?[128];
    private ApiVersionRange[]? _advertised;

    /// <summary>The default handler set of the broker.</summary>
    public static RequestHandlerRegistry CreateDefault()
    {
        var registry = new RequestHandlerRegistry();
        registry.Register(new ApiVersionsHandler(registry));
        registry.Register(new MetadataHandler());
        registry.Register(new ProduceHandler());
        registry.Register(new FetchHandler());
        registry.Register(new ListOffsetsHandler());
        registry.Register(new CreateTopicsHandler());
        registry.Register(new DeleteTopicsHandler());
        registry.Register(new DescribeConfigsHandler());
        registry.Register(new InitProducerIdHandler());
        registry.Register(new Groups.Handlers.FindCoordinatorHandler());
        registry.Register(new Groups.Handlers.JoinGroupHandler());
        registry.Register(new Groups.Handlers.SyncGroupHandler());
        registry.Register(new Groups.Handlers.HeartbeatHandler());
        registry.Register(new Groups.Handlers.LeaveGroupHandler());
        registry.Register(new Groups.Handlers.OffsetCommitHandler());
        registry.Register(new Groups.Handlers.OffsetFetchHandler());
        registry.Register(new Groups.Handlers.DescribeGroupsHandler());
        registry.Register(new Groups.Handlers.ListGroupsHandler());
        registry.Register(new Groups.Handlers.DeleteGroupsHandler());
        registry.Register(new Transactions.Handlers.AddPartitionsToTxnHandler());
        registry.Register(new Transactions.Handlers.AddOffsetsToTxnHandler());
        registry.Register(new Transactions.Handlers.TxnOffsetCommitHandler());
        registry.Register(new Transactions.Handlers.EndTxnHandler());
        return registry;
    }

    /// <summary>Adds (or replaces) the handler of its API key. Only before the server starts.</summary>
    public void Register(IRequestHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (!ApiVersionTable.TryGetRange(handler.ApiKey, out _))
        {
            throw new ArgumentException($"The protocol codec does not implement {handler.ApiKey}.", nameof(handler));
        }
        _handlers[(int)handler.ApiKey] = handler;
        _advertised = null;
    }

    /// <summary>The handler of <paramref name="apiKey"/>, or null.</summary>
    public IRequestHandler? Get(ApiKey apiKey)
    {
        var k = (int)apiKey;
        return (uint)k < (uint)_handlers.Length ? _handlers[k] : null;
    }

    /// <summary>The ranges advertised in ApiVersions: the codec's range of every API that has a handler.</summary>
    public IReadOnlyList<ApiVersionRange> Advertised => _advertised ??= ApiVersionTable.Supported.Where(r => Get(r.ApiKey) is not null).ToArray();
}

using System.Net;
using LogBus.Protocol;

namespace LogBus.Broker.Server;

/// <summary>
/// What a handler knows about the request it handles: header, connection, the broker's services, and
/// a place to park resources (log read leases) that must live until the response has been sent.
/// </summary>
/// <remarks>One per request; owned by the connection, which disposes the registered resources exactly
/// once after the response was written to the socket (or the connection failed).</remarks>
internal sealed class RequestContext
{
    private List<IDisposable>? _resources;

    public RequestContext(RequestHeader header, BrokerServices services, EndPoint? remote, long receivedTimestamp, CancellationToken cancellationToken)
    {
        ReceivedTimestamp = receivedTimestamp;
        Header = header;
        Services = services;
        RemoteEndPoint = remote;
        CancellationToken = cancellationToken;
    }

    /// <summary>The request header (API key, version, correlation id, client id).</summary>
    public RequestHeader Header { get; }

    /// <summary>The request version (the response is encoded in it).</summary>
    public short ApiVersion => Header.ApiVersion;

    /// <summary>The client id from the header, or null.</summary>
    public string? ClientId => Header.ClientId;

    /// <summary>When the read that completed the request's frame returned (<see cref="System.Diagnostics.Stopwatch"/> timestamp; request times start here).</summary>
    public long ReceivedTimestamp { get; }

    /// <summary>The broker's shared services.</summary>
    public BrokerServices Services { get; }

    /// <summary>The client's address.</summary>
    public EndPoint? RemoteEndPoint { get; }

    /// <summary>Fires when the connection fails or the broker stops; long waits end early on it (and answer with what they have).</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Keeps <paramref name="resource"/> alive until the response has been sent, then disposes it.</summary>
    public void RegisterForDispose(IDisposable resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        lock (this)
        {
            (_resources ??= new List<IDisposable>(4)).Add(resource);
        }
    }

    /// <summary>Disposes the registered resources (called by the connection after the send).</summary>
    public void DisposeResources()
    {
        List<IDisposable>? resources;
        lock (this)
        {
            resources = _resources;
            _resources = null;
        }
        if (resources is null)
        {
            return;
        }
        foreach (var resource in resources)
        {
            resource.Dispose();
        }
    }
}

using System.Buffers.Binary;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Cluster;

internal sealed partial class MetadataQuorum
{
    // Active-controller state, driver task only.
    private readonly Dictionary<int, long> _lastHeartbeat = [];
    private long _controllerWaitsFor;
    private long _nextControllerRun;
    private Task? _brokerLoop;

    /// <summary>
    /// Registers this node as a broker with its Kafka endpoint, then heartbeats to the active
    /// controller until disposal. Returns once the registration is in the local image.
    /// </summary>
    public async Task RegisterBrokerAsync(string host, int port, CancellationToken cancellationToken)
    {
        await SubmitAsync(new MetadataRecord { Type = MetadataRecordType.RegisterBroker, BrokerId = _options.NodeId, Host = host, Port = port }, cancellationToken).ConfigureAwait(false);
        _brokerLoop = Task.Run(HeartbeatLoopAsync);
    }

    private async Task HeartbeatLoopAsync()
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(payload, _options.NodeId);
        using var timer = new PeriodicTimer(_options.BrokerHeartbeatInterval);
        try
        {
            do
            {
                var leader = _leaderId;
                if (leader == _options.NodeId)
                {
                    _inbox.Writer.TryWrite(new HeartbeatItem(_options.NodeId));
                }
                else if (leader != 0 && _peers.TryGetValue(leader, out var peer))
                {
                    _ = await peer.CallAsync(ControllerRequestType.Heartbeat, payload, _options.BrokerHeartbeatInterval, _stop.Token).ConfigureAwait(false);
                }
            }
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void BecameController(ClusterMetadataImage image)
    {
        // Every broker gets a full session of grace: the previous controller's heartbeat times are unknown here.
        _lastHeartbeat.Clear();
        foreach (var id in image.Brokers.Keys)
        {
            _lastHeartbeat[id] = Now;
        }

        _controllerWaitsFor = 0;
        _nextControllerRun = Now;
        _logger.LogInformation("Node {Node} is the active controller in term {Term}", _options.NodeId, _node!.Term);
    }

    private void RunController()
    {
        var node = _node!;
        if (node.Role != Raft.RaftRole.Leader || Now < _nextControllerRun || _image.Offset < _controllerWaitsFor || node.CommitIndex < node.LastIndex)
        {
            return; // one round at a time: decide again only on an image that includes the last round
        }

        _nextControllerRun = Now + 50;
        var now = Now;
        var sessionMs = (long)_options.BrokerSessionTimeout.TotalMilliseconds;
        var records = ControllerDecisions.Compute(_image, id => _lastHeartbeat.TryGetValue(id, out var at) && now - at < sessionMs);
        foreach (var record in records)
        {
            var index = node.Propose(MetadataCodec.Encode(record));
            _controllerWaitsFor = Math.Max(_controllerWaitsFor, index);
            if (record.Type == MetadataRecordType.PartitionChange)
            {
                _logger.LogInformation("Controller {Node}: {Topic}-{Partition} leader {Leader} epoch {Epoch} ISR [{Isr}]", _options.NodeId, record.Topic, record.Partition, record.Leader, record.LeaderEpoch, string.Join(",", record.Isr));
            }
            else
            {
                _logger.LogInformation("Controller {Node}: broker {Broker} {Change}", _options.NodeId, record.BrokerId, record.Fenced ? "fenced" : "unfenced");
            }
        }
    }
}

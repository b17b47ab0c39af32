using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Threading.Channels;
using LogBus.Broker.Cluster.Raft;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Cluster;

/// <summary>
/// This node's member of the metadata quorum (KRaft-like, combined mode: every voter is also a broker):
/// a <see cref="RaftNode"/> over <see cref="FileRaftStorage"/>, the controller listener and outbound
/// peers, and the applied <see cref="ClusterMetadataImage"/>. When this node is the Raft leader it is
/// the active controller: it tracks broker heartbeats and proposes the changes of
/// <see cref="ControllerDecisions"/> (fencing, ISR and leader moves).
/// </summary>
/// <remarks>
/// Threading: one driver task owns the Raft node and applies records; it is fed through a bounded
/// channel (Raft messages are dropped when it is full, proposals wait). <see cref="Image"/> is an
/// immutable snapshot readable from any thread.
/// </remarks>
internal sealed partial class MetadataQuorum : IAsyncDisposable
{
    private readonly MetadataQuorumOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<object> _inbox = Channel.CreateBounded<object>(new BoundedChannelOptions(4096) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Dictionary<int, ControllerPeer> _peers = [];
    private readonly Dictionary<long, (long Term, TaskCompletionSource<long> Done)> _proposals = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _waitersLock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FileRaftStorage? _storage;
    private RaftNode? _node;
    private ControllerListener? _listener;
    private Task? _driver;
    private Task? _ticker;
    private volatile ClusterMetadataImage _image = ClusterMetadataImage.Empty;
    private volatile int _leaderId;
    private volatile bool _caughtUp;
    private long _term;

    public MetadataQuorum(MetadataQuorumOptions options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _logger = loggerFactory.CreateLogger<MetadataQuorum>();
        Self = options.Voters.Single(v => v.Id == options.NodeId);
        foreach (var voter in options.Voters.Where(v => v.Id != options.NodeId))
        {
            _peers[voter.Id] = new ControllerPeer(voter, _logger);
        }
    }

    /// <summary>This node's voter entry.</summary>
    public QuorumVoter Self { get; }

    /// <summary>The latest applied metadata (immutable).</summary>
    public ClusterMetadataImage Image => _image;

    /// <summary>The Raft leader (= active controller) this node knows; 0 when unknown.</summary>
    public int LeaderId => _leaderId;

    /// <summary>
    /// Whether this node has applied the metadata log as far as a leader had committed it when this node
    /// heard from it (KRaft: a broker acts on metadata only once caught up). Until then the image may be
    /// an old one (from the local snapshot and log after a restart) naming this broker leader of
    /// partitions it no longer leads. Stays true once set.
    /// </summary>
    public bool IsCaughtUp => _caughtUp;

    /// <summary>Whether this node is the active controller.</summary>
    public bool IsLeader => _leaderId == _options.NodeId;

    /// <summary>Raised on the driver task after each change of <see cref="Image"/>; handlers must be quick and must not block.</summary>
    public event Action<ClusterMetadataImage>? ImageChanged;

    /// <summary>Recovers the metadata log, binds the controller listener and starts the driver.</summary>
    public Task StartAsync()
    {
        _storage = FileRaftStorage.Open(_options.Directory, out var state);
        _node = new RaftNode(_options.NodeId, _options.Voters.Select(v => v.Id).ToArray(), state, _storage, _options.Raft, new Random(), Now);
        var address = IPAddress.Parse(_options.ListenAddress ?? (Self.Host == "localhost" ? "127.0.0.1" : Self.Host));
        _listener = new ControllerListener(new IPEndPoint(address, _options.ListenPort ?? Self.Port), m => _inbox.Writer.TryWrite(m), HandleRequestAsync, _logger);
        _listener.Start();
        Process(); // restores the recovered snapshot and nothing else (nothing is committed yet)
        _driver = Task.Run(DriveAsync);
        _ticker = Task.Run(TickAsync);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Appends <paramref name="record"/> to the metadata log through the active controller (here or
    /// on another voter), retrying across leader changes until <paramref name="cancellationToken"/>
    /// fires, and returns once the local image includes it.
    /// </summary>
    /// <returns>The record's metadata log index.</returns>
    public async Task<long> SubmitAsync(MetadataRecord record, CancellationToken cancellationToken)
    {
        var data = MetadataCodec.Encode(record);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var leader = _leaderId;
            long index = -1;
            if (leader == _options.NodeId)
            {
                index = await ProposeLocalAsync(data, cancellationToken).ConfigureAwait(false);
            }
            else if (leader != 0 && _peers.TryGetValue(leader, out var peer))
            {
                var (status, payload) = await peer.CallAsync(ControllerRequestType.Submit, data, TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
                if (status == ControllerResponseStatus.Ok && payload.Length == 8)
                {
                    index = BinaryPrimitives.ReadInt64BigEndian(payload);
                }
            }

            if (index > 0)
            {
                await WaitForOffsetAsync(index, cancellationToken).ConfigureAwait(false);
                return index;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until the local image includes metadata log index <paramref name="offset"/>.</summary>
    public async Task WaitForOffsetAsync(long offset, CancellationToken cancellationToken)
    {
        while (_image.Offset < offset)
        {
            Task changed;
            lock (_waitersLock)
            {
                changed = _changed.Task;
            }

            if (_image.Offset >= offset)
            {
                return;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for the next change of <see cref="Image"/> (or the leader).</summary>
    public Task WhenChangedAsync(CancellationToken cancellationToken)
    {
        lock (_waitersLock)
        {
            return _changed.Task.WaitAsync(cancellationToken);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _inbox.Writer.TryComplete();
        if (_listener is not null)
        {
            await _listener.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var peer in _peers.Values)
        {
            await peer.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var task in new[] { _driver, _ticker, _brokerLoop })
        {
            if (task is not null)
            {
                try
                {
                    await task.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }

        foreach (var (_, (_, done)) in _proposals)
        {
            done.TrySetCanceled();
        }

        _storage?.Dispose();
        _stop.Dispose();
    }

    private long Now => _clock.ElapsedMilliseconds;

    private Task<long> ProposeLocalAsync(byte[] data, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        return WriteAndWaitAsync(new ProposeItem(data, done), done.Task, cancellationToken);
    }

    private async Task<long> WriteAndWaitAsync(object item, Task<long> result, CancellationToken cancellationToken)
    {
        await _inbox.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        try
        {
            return await result.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return -1;
        }
    }

    private async Task<(ControllerResponseStatus, byte[])> HandleRequestAsync(ControllerRequestType type, byte[] payload, CancellationToken cancellationToken)
    {
        if (!IsLeader)
        {
            var hint = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(hint, _leaderId);
            return (ControllerResponseStatus.NotLeader, hint);
        }

        switch (type)
        {
            case ControllerRequestType.Submit:
                var index = await ProposeLocalAsync(payload, cancellationToken).ConfigureAwait(false);
                if (index <= 0)
                {
                    return (ControllerResponseStatus.Failed, []);
                }

                var result = new byte[8];
                BinaryPrimitives.WriteInt64BigEndian(result, index);
                return (ControllerResponseStatus.Ok, result);
            case ControllerRequestType.Heartbeat when payload.Length == 4:
                _inbox.Writer.TryWrite(new HeartbeatItem(BinaryPrimitives.ReadInt32BigEndian(payload)));
                return (ControllerResponseStatus.Ok, []);
            default:
                return (ControllerResponseStatus.Failed, []);
        }
    }

    private async Task TickAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                _inbox.Writer.TryWrite(TickItem.Instance);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task DriveAsync()
    {
        var node = _node!;
        try
        {
            while (await _inbox.Reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                while (_inbox.Reader.TryRead(out var item))
                {
                    switch (item)
                    {
                        case RaftMessage message when message.To == _options.NodeId:
                            node.Step(message, Now);
                            break;
                        case ProposeItem proposal:
                            var index = node.Propose(proposal.Data);
                            if (index < 0)
                            {
                                proposal.Done.TrySetResult(-1);
                            }
                            else
                            {
                                _proposals[index] = (node.Term, proposal.Done);
                            }

                            break;
                        case HeartbeatItem heartbeat:
                            _lastHeartbeat[heartbeat.BrokerId] = Now;
                            break;
                        case TickItem:
                            node.Tick(Now);
                            RunController();
                            break;
                        default:
                            break;
                    }

                    Process();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            // Storage failures (fsync) leave Raft state unknown: stop participating rather than risk
            // a double vote. The broker sees no more metadata changes and no leadership.
            _logger.LogCritical(e, "Metadata quorum driver failed; node {Node} stops participating", _options.NodeId);
            _leaderId = 0;
            throw;
        }
    }

    private void Process()
    {
        var node = _node!;
        var ready = node.Drain();
        var image = _image;
        var changed = false;
        if (ready.Snapshot is { } snapshot)
        {
            image = MetadataCodec.DecodeImage(snapshot.Data) with { Offset = snapshot.Index };
            changed = true;
        }

        foreach (var entry in ready.Committed)
        {
            var record = MetadataCodec.Decode(entry.Data);
            image = record is null ? image with { Offset = entry.Index } : image.Apply(record, entry.Index);
            changed = true;
            if (_proposals.Remove(entry.Index, out var proposal))
            {
                proposal.Done.TrySetResult(proposal.Term == entry.Term ? entry.Index : -1);
            }
        }

        if (node.Term != _term || (node.Role == RaftRole.Leader) != (_leaderId == _options.NodeId) || node.LeaderId != _leaderId)
        {
            if (node.Role != RaftRole.Leader && _proposals.Count > 0)
            {
                foreach (var (_, (_, done)) in _proposals)
                {
                    done.TrySetResult(-1); // may still commit; callers retry and records are idempotent
                }

                _proposals.Clear();
            }

            if (node.Role == RaftRole.Leader && _leaderId != _options.NodeId)
            {
                BecameController(image);
            }

            _term = node.Term;
            _leaderId = node.LeaderId;
            changed = true;
        }

        if (!_caughtUp && node.LeaderId != 0 && node.LeaderCommit > 0 && image.Offset >= node.LeaderCommit)
        {
            _caughtUp = true;
            changed = true;
        }

        if (changed)
        {
            _image = image;
            TaskCompletionSource previous;
            lock (_waitersLock)
            {
                previous = _changed;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            previous.TrySetResult();
            ImageChanged?.Invoke(image);
        }

        if (node.LastIndex - node.Snapshot.Index > _options.SnapshotEveryEntries && image.Offset > node.Snapshot.Index)
        {
            node.Compact(image.Offset, MetadataCodec.EncodeImage(image));
        }

        foreach (var message in ready.Messages)
        {
            if (_peers.TryGetValue(message.To, out var peer))
            {
                peer.Send(ControllerFrames.EncodeRaft(message));
            }
        }
    }

    private sealed record ProposeItem(byte[] Data, TaskCompletionSource<long> Done);

    private sealed record HeartbeatItem(int BrokerId);

    private sealed class TickItem
    {
        public static TickItem Instance { get; } = new();
    }
}

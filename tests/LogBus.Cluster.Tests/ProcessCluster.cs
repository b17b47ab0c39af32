using LogBus.Broker.Tests.Server;
using LogBus.Protocol.Messages;

namespace LogBus.Cluster.Tests;

/// <summary>
/// Three (or more) <see cref="BrokerNode"/> processes forming one cluster on loopback, each with its
/// own data directory under one temp directory. Disposal resumes paused processes, kills everything
/// started and deletes the directories (also when the test failed).
/// </summary>
internal sealed class ProcessCluster : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "logbus-cluster-" + Guid.NewGuid().ToString("N"));

    public ProcessCluster(int size, params string[] extraArguments)
    {
        var ports = Enumerable.Range(0, size * 2).Select(_ => LogBus.Testing.FreePort.Next()).Distinct().ToArray();
        Assert.Equal(size * 2, ports.Length);
        var quorum = string.Join(",", Enumerable.Range(1, size).Select(id => $"{id}@127.0.0.1:{ports[size + id - 1]}"));
        Nodes = Enumerable.Range(1, size)
            .Select(id => new BrokerNode(id, ports[id - 1], ports[size + id - 1], quorum, Path.Combine(_root, $"broker-{id}"), extraArguments))
            .ToArray();
    }

    public BrokerNode[] Nodes { get; }

    /// <summary>Client processes stopped (killed) with the cluster.</summary>
    public List<WorkloadProcess> Workloads { get; } = [];

    public WorkloadProcess Track(WorkloadProcess workload)
    {
        Workloads.Add(workload);
        return workload;
    }

    public string Bootstrap => string.Join(",", Nodes.Select(n => $"127.0.0.1:{n.Port}"));

    public string Root => _root;

    public BrokerNode Node(int id) => Nodes[id - 1];

    public void StartAll()
    {
        foreach (var node in Nodes)
        {
            node.Start();
        }
    }

    /// <summary>Metadata of <paramref name="topic"/> from the first running, unpaused broker that answers; null when none does.</summary>
    public async Task<MetadataResponse?> MetadataAsync(string topic)
    {
        foreach (var node in Nodes.Where(n => n.Running && !n.Paused))
        {
            try
            {
                await using var client = await RawKafkaClient.ConnectAsync(node.Port);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                return await client.SendAsync<MetadataResponse>(new MetadataRequest { Topics = [topic], AllowAutoTopicCreation = false }, 8).WaitAsync(timeout.Token);
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException or TimeoutException)
            {
            }
        }

        return null;
    }

    /// <summary>Polls the metadata (bounded, every 200 ms: the state lives in other processes) until <paramref name="condition"/> holds for some answer.</summary>
    public async Task<MetadataResponse> WaitForMetadataAsync(string topic, Func<MetadataResponse, bool> condition, string what, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await MetadataAsync(topic) is { } metadata && condition(metadata))
            {
                return metadata;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}\n{Diagnostics()}");
            }

            await Task.Delay(200);
        }
    }

    public string Diagnostics() => string.Join("\n", Nodes.Select(n => $"==== broker {n.Id} (running {n.Running}, paused {n.Paused}) ====\n{n.Output}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var workload in Workloads)
        {
            await workload.DisposeAsync();
        }

        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

using LogBus.Broker.Tests.Server;
using LogBus.Broker.Transactions;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Tests.Transactions;

public sealed class TransactionTests
{
    [Fact]
    public async Task Committed_data_becomes_visible_to_read_committed_at_the_commit_and_aborted_data_never()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        await client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("tx", partitions: 2), 4);
        var coordinator = await client.SendAsync<FindCoordinatorResponse>(new FindCoordinatorRequest { Key = "t1", KeyType = 1 }, 2);
        Assert.Equal((ErrorCode.None, broker.Port), (coordinator.ErrorCode, coordinator.Port));

        var txn = new TxnClient(client, "t1");
        Assert.Equal(ErrorCode.None, (await txn.InitAsync()).ErrorCode);
        Assert.Equal(0, txn.Epoch);
        Assert.Equal(ErrorCode.None, await txn.AddPartitionsAsync("tx", 0, 1));
        Assert.Equal((ErrorCode.None, 0L), await txn.ProduceAsync("tx", 0, "c1", "c2"));
        Assert.Equal((ErrorCode.None, 0L), await txn.ProduceAsync("tx", 1, "c3"));
        Assert.Equal((ErrorCode.None, 2L), await txn.ProduceAsync("tx", 0, "c4"));

        // Open: read_committed stops at the transaction's first offset; read_uncommitted sees it all.
        var open = await TxnClient.FetchAsync(client, "tx", 0, 0, readCommitted: true);
        Assert.Equal((0L, 3L), (open.LastStableOffset, open.HighWatermark));
        Assert.Empty(TxnClient.Committed(open));
        Assert.Equal(3, TxnClient.Committed(await TxnClient.FetchAsync(client, "tx", 0, 0, readCommitted: false)).Count);
        Assert.Equal(0, await TxnClient.ListOffsetAsync(client, "tx", 0, readCommitted: true));
        Assert.Equal(3, await TxnClient.ListOffsetAsync(client, "tx", 0, readCommitted: false));

        Assert.Equal(ErrorCode.None, await txn.EndAsync(commit: true));
        var committed = await TxnClient.FetchAsync(client, "tx", 0, 0, readCommitted: true);
        Assert.Equal(4, committed.LastStableOffset); // the commit marker is offset 3
        Assert.Equal(["c1", "c2", "c4"], TxnClient.Committed(committed));
        Assert.Empty(committed.AbortedTransactions!);
        Assert.Equal(["c3"], TxnClient.Committed(await TxnClient.FetchAsync(client, "tx", 1, 0, readCommitted: true)));
        Assert.Equal(TransactionState.CompleteCommit, broker.Services.Transactions!.Describe("t1")!.State);

        // The next transaction aborts: its records are listed as aborted and dropped by read_committed readers.
        Assert.Equal(ErrorCode.None, await txn.AddPartitionsAsync("tx", 0));
        Assert.Equal((ErrorCode.None, 4L), await txn.ProduceAsync("tx", 0, "a1", "a2"));
        Assert.Equal(ErrorCode.None, await txn.EndAsync(commit: false));
        Assert.Equal(ErrorCode.None, await txn.EndAsync(commit: false)); // a retried EndTxn of a completed abort
        Assert.Equal(ErrorCode.InvalidTxnState, await txn.EndAsync(commit: true));
        var afterAbort = await TxnClient.FetchAsync(client, "tx", 0, 0, readCommitted: true);
        Assert.Equal(7, afterAbort.LastStableOffset);
        var aborted = Assert.Single(afterAbort.AbortedTransactions!);
        Assert.Equal((txn.ProducerId, 4L), (aborted.ProducerId, aborted.FirstOffset));
        Assert.Equal(["c1", "c2", "c4"], TxnClient.Committed(afterAbort));
        // A fetch past the aborted range gets no aborted transactions.
        Assert.Empty((await TxnClient.FetchAsync(client, "tx", 0, 7, readCommitted: true)).AbortedTransactions!);
        Assert.Null((await TxnClient.FetchAsync(client, "tx", 0, 0, readCommitted: false)).AbortedTransactions);
    }

    [Fact]
    public async Task Transactional_batches_outside_an_open_transaction_are_refused()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        await client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("tx", partitions: 2), 4);
        var txn = new TxnClient(client, "t2");
        await txn.InitAsync();
        Assert.Equal(ErrorCode.InvalidTxnState, (await txn.ProduceAsync("tx", 0, "x")).Error); // no AddPartitionsToTxn
        Assert.Equal(ErrorCode.None, await txn.AddPartitionsAsync("tx", 0));
        Assert.Equal(ErrorCode.InvalidTxnState, (await txn.ProduceAsync("tx", 1, "x")).Error); // partition 1 not added
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, await txn.AddPartitionsAsync("nope", 0));
        var unknownPid = new TxnClient(client, "t2") { ProducerId = txn.ProducerId + 17, Epoch = 0 };
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, (await unknownPid.ProduceAsync("tx", 0, "x")).Error);
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, await unknownPid.EndAsync(commit: true));
        Assert.Equal(ErrorCode.InvalidTransactionTimeout, (await new TxnClient(client, "t3").InitAsync(timeoutMs: 0)).ErrorCode);
        // A commit with nothing added is an invalid state (clients skip EndTxn then).
        var empty = new TxnClient(client, "t4");
        await empty.InitAsync();
        Assert.Equal(ErrorCode.InvalidTxnState, await empty.EndAsync(commit: true));
    }

    [Fact]
    public async Task A_new_InitProducerId_aborts_the_open_transaction_and_fences_the_old_producer()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        await client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("tx"), 4);
        var zombie = new TxnClient(client, "fenced");
        await zombie.InitAsync();
        await zombie.AddPartitionsAsync("tx", 0);
        Assert.Equal((ErrorCode.None, 0L), await zombie.ProduceAsync("tx", 0, "z1"));

        var successor = new TxnClient(client, "fenced");
        Assert.Equal(ErrorCode.None, (await successor.InitAsync()).ErrorCode);
        Assert.Equal(zombie.ProducerId, successor.ProducerId);
        Assert.True(successor.Epoch > zombie.Epoch + 1, $"epoch {successor.Epoch}: the abort bumps once, the new session again");

        // The zombie's transaction was aborted; the zombie cannot write, add or commit any more.
        var read = await TxnClient.FetchAsync(client, "tx", 0, 0, readCommitted: true);
        Assert.Equal(2, read.LastStableOffset);
        Assert.Single(read.AbortedTransactions!);
        Assert.Empty(TxnClient.Committed(read));
        Assert.Equal(ErrorCode.InvalidProducerEpoch, (await zombie.ProduceAsync("tx", 0, "z2")).Error);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, await zombie.AddPartitionsAsync("tx", 0));
        Assert.Equal(ErrorCode.InvalidProducerEpoch, await zombie.EndAsync(commit: true));

        await successor.AddPartitionsAsync("tx", 0);
        Assert.Equal((ErrorCode.None, 2L), await successor.ProduceAsync("tx", 0, "s1"));
        Assert.Equal(ErrorCode.None, await successor.EndAsync(commit: true));
        Assert.Equal(["s1"], TxnClient.Committed(await TxnClient.FetchAsync(client, "tx", 0, 0, readCommitted: true)));
    }

    [Fact]
    public async Task Transactional_offsets_are_invisible_until_the_commit_and_discarded_by_an_abort()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        await client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("in"), 4);
        await client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("out"), 4);
        var txn = new TxnClient(client, "eos");
        await txn.InitAsync();

        Assert.Equal(ErrorCode.InvalidTxnState, await txn.TxnOffsetCommitAsync("g", "in", 0, 5)); // AddOffsetsToTxn first
        await txn.AddPartitionsAsync("out", 0);
        await txn.ProduceAsync("out", 0, "o1");
        Assert.Equal(ErrorCode.None, await txn.AddOffsetsAsync("g"));
        Assert.Equal(ErrorCode.None, await txn.TxnOffsetCommitAsync("g", "in", 0, 5));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, await txn.TxnOffsetCommitAsync("g", "in", 3, 5));
        Assert.Equal(-1, await TxnClient.CommittedOffsetAsync(client, "g", "in", 0));
        Assert.Equal(ErrorCode.None, await txn.EndAsync(commit: true));
        Assert.Equal(5, await TxnClient.CommittedOffsetAsync(client, "g", "in", 0));

        await txn.AddOffsetsAsync("g");
        Assert.Equal(ErrorCode.None, await txn.TxnOffsetCommitAsync("g", "in", 0, 9));
        Assert.Equal(ErrorCode.None, await txn.EndAsync(commit: false));
        Assert.Equal(5, await TxnClient.CommittedOffsetAsync(client, "g", "in", 0));

        // Committed transactional offsets survive a restart like plain commits.
        await broker.RestartAsync();
        await using var again = await broker.ConnectAsync();
        Assert.Equal(5, await TxnClient.CommittedOffsetAsync(again, "g", "in", 0));
    }

    [Fact]
    public async Task A_transaction_past_its_timeout_is_aborted_and_its_producer_fenced()
    {
        await using var broker = await TestBroker.StartAsync(o => o.Transactions.TimeoutCheckInterval = TimeSpan.FromMilliseconds(50));
        await using var client = await broker.ConnectAsync();
        await client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("tx"), 4);
        var txn = new TxnClient(client, "slow");
        await txn.InitAsync(timeoutMs: 200);
        await txn.AddPartitionsAsync("tx", 0);
        await txn.ProduceAsync("tx", 0, "late");
        // A read_committed long poll answers once the abort marker moved the last stable offset.
        var read = (await client.SendAsync<FetchResponse>(ProtocolTestData.Fetch("tx", 0, 0, maxWaitMs: 20_000), 11)).Responses[0].Partitions[0];
        Assert.Equal(2, read.LastStableOffset);
        Assert.Single(read.AbortedTransactions!);
        Assert.Empty(TxnClient.Committed(read));
        Assert.Equal(ErrorCode.InvalidProducerEpoch, await txn.EndAsync(commit: true)); // waits for the abort to complete
        Assert.Equal(TransactionState.CompleteAbort, broker.Services.Transactions!.Describe("slow")!.State);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, (await txn.ProduceAsync("tx", 0, "x")).Error);
    }

    [Fact]
    public async Task A_long_poll_at_the_last_stable_offset_wakes_at_the_commit()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        await using var consumer = await broker.ConnectAsync();
        await client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("tx"), 4);
        var txn = new TxnClient(client, "poll");
        await txn.InitAsync();
        await txn.AddPartitionsAsync("tx", 0);
        await txn.ProduceAsync("tx", 0, "p1");
        var poll = consumer.SendAsync<FetchResponse>(ProtocolTestData.Fetch("tx", 0, 0, maxWaitMs: 20_000), 11);
        Assert.Equal(ErrorCode.None, await txn.EndAsync(commit: true));
        var response = await poll.WaitAsync(TimeSpan.FromSeconds(10)); // well before MaxWait
        Assert.Equal(["p1"], TxnClient.Committed(response.Responses[0].Partitions[0]));
    }

    [Fact]
    public async Task Open_transactions_and_the_aborted_index_survive_a_restart_and_the_transaction_can_continue()
    {
        await using var broker = await TestBroker.StartAsync();
        var txn = new TxnClient(await broker.ConnectAsync(), "durable");
        await txn.Client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("tx"), 4);
        await txn.InitAsync();
        await txn.AddPartitionsAsync("tx", 0);
        await txn.ProduceAsync("tx", 0, "a1");
        await txn.EndAsync(commit: false);
        await txn.AddPartitionsAsync("tx", 0);
        await txn.AddOffsetsAsync("g");
        await txn.TxnOffsetCommitAsync("g", "tx", 0, 3);
        Assert.Equal((ErrorCode.None, 2L), await txn.ProduceAsync("tx", 0, "b1"));
        await txn.Client.DisposeAsync();

        await broker.RestartAsync();
        await using var client = await broker.ConnectAsync();
        var read = await TxnClient.FetchAsync(client, "tx", 0, 0, readCommitted: true);
        Assert.Equal(2, read.LastStableOffset); // the open transaction still holds the LSO
        Assert.Single(read.AbortedTransactions!);
        Assert.Equal(TransactionState.Ongoing, broker.Services.Transactions!.Describe("durable")!.State);

        // The same producer session continues after the coordinator restarted and commits.
        var resumed = new TxnClient(client, "durable") { ProducerId = txn.ProducerId, Epoch = txn.Epoch };
        Assert.Equal(ErrorCode.None, await resumed.EndAsync(commit: true));
        var after = await TxnClient.FetchAsync(client, "tx", 0, 0, readCommitted: true);
        Assert.Equal(["b1"], TxnClient.Committed(after));
        Assert.Equal(3, await TxnClient.CommittedOffsetAsync(client, "g", "tx", 0));
    }

    [Fact]
    public async Task Partition_transaction_state_is_rebuilt_from_the_log_without_a_snapshot()
    {
        await using var broker = await TestBroker.StartAsync();
        var txn = new TxnClient(await broker.ConnectAsync(), "replay");
        await txn.Client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("tx"), 4);
        await txn.InitAsync();
        await txn.AddPartitionsAsync("tx", 0);
        await txn.ProduceAsync("tx", 0, "a1", "a2");
        await txn.EndAsync(commit: false);
        await txn.AddPartitionsAsync("tx", 0);
        await txn.ProduceAsync("tx", 0, "c1");
        await txn.EndAsync(commit: true);
        await txn.AddPartitionsAsync("tx", 0);
        await txn.ProduceAsync("tx", 0, "open");
        await txn.Client.DisposeAsync();
        await broker.Broker.DisposeAsync();
        foreach (var file in Directory.GetFiles(Path.Combine(broker.Options.DataDirectory, Producers.ProducerStateManager.DirectoryName)))
        {
            File.Delete(file);
        }
        await broker.RestartAsync();
        await using var client = await broker.ConnectAsync();
        var read = await TxnClient.FetchAsync(client, "tx", 0, 0, readCommitted: true);
        Assert.Equal(5, read.LastStableOffset); // a1 a2 abort c1 commit | open
        var aborted = Assert.Single(read.AbortedTransactions!);
        Assert.Equal(0, aborted.FirstOffset);
        Assert.Equal(["c1"], TxnClient.Committed(read));
    }

    [Fact]
    public async Task Transactions_prepared_before_a_coordinator_restart_are_finished_at_startup()
    {
        await using var broker = await TestBroker.StartAsync();
        var client = await broker.ConnectAsync();
        await client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("tx", partitions: 2), 4);
        var committing = new TxnClient(client, "prepared-commit");
        var aborting = new TxnClient(client, "prepared-abort");
        foreach (var txn in new[] { committing, aborting })
        {
            await txn.InitAsync();
            await txn.AddPartitionsAsync("tx", 0, 1);
            await txn.ProduceAsync("tx", 0, txn.TransactionalId + "-0");
            await txn.ProduceAsync("tx", 1, txn.TransactionalId + "-1");
        }
        await committing.AddOffsetsAsync("g");
        await committing.TxnOffsetCommitAsync("g", "tx", 1, 7);
        // The decisions become durable, then the "crash": no marker is written.
        broker.Services.Transactions!.StopAfterPrepareForTests = true;
        Assert.Equal(ErrorCode.None, await committing.EndAsync(commit: true));
        Assert.Equal(ErrorCode.None, await aborting.EndAsync(commit: false));
        Assert.Equal(TransactionState.PrepareCommit, broker.Services.Transactions.Describe("prepared-commit")!.State);
        Assert.Equal(0, (await TxnClient.FetchAsync(client, "tx", 0, 0, readCommitted: true)).LastStableOffset);
        await client.DisposeAsync();

        await broker.RestartAsync();
        await using var again = await broker.ConnectAsync();
        Assert.Equal(TransactionState.CompleteCommit, broker.Services.Transactions!.Describe("prepared-commit")!.State);
        Assert.Equal(TransactionState.CompleteAbort, broker.Services.Transactions.Describe("prepared-abort")!.State);
        for (var p = 0; p < 2; p++)
        {
            var read = await TxnClient.FetchAsync(again, "tx", p, 0, readCommitted: true);
            Assert.Equal(read.HighWatermark, read.LastStableOffset); // nothing hangs
            Assert.Equal([$"prepared-commit-{p}"], TxnClient.Committed(read));
        }
        Assert.Equal(7, await TxnClient.CommittedOffsetAsync(again, "g", "tx", 1));
    }
}

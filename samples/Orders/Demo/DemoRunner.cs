using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Orders.Api;
using Orders.Data;
using Orders.Hosting;

namespace Orders.Demo;

/// <summary>
/// The demo: starts the app, places orders through its own HTTP API, shows a live progress line, waits
/// until every order is final (bounded), then prints numbers measured in this run (throughput, latency
/// percentiles from the orders' own timestamps) and checks the outcome. Exit code 0 only when every
/// order reached its expected final state and the stock adds up.
/// </summary>
public static class DemoRunner
{
    private static readonly string[] Products = ["BOOK", "MUG", "TSHIRT"];

    public static async Task<int> RunAsync(WebApplication app, DemoOptions demo, OrdersOptions options)
    {
        var console = Console.Out;
        await app.StartAsync();
        try
        {
            var problem = await BusStartupCheck.WaitForBusAsync(app.Services, BusStartupCheck.Limit, CancellationToken.None);
            if (problem is not null)
            {
                await Console.Error.WriteLineAsync($"LogBus did not start within {BusStartupCheck.Limit.TotalSeconds:0} s: {problem}");
                return 1;
            }
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
                .Select(a => a.Replace("//[::]", "//127.0.0.1", StringComparison.Ordinal).Replace("//0.0.0.0", "//127.0.0.1", StringComparison.Ordinal).Replace("//localhost", "//127.0.0.1", StringComparison.Ordinal))
                .First(a => a.StartsWith("http://", StringComparison.Ordinal));
            var run = Guid.NewGuid().ToString("N")[..6];
            var prefix = $"demo-{run}-";
            var stockBefore = await StockAsync(app.Services);
            await console.WriteLineAsync($"Demo {run}: placing {demo.Orders:N0} orders through {address}/orders ({demo.Concurrency} requests and at most {demo.InFlight} unfinished orders at a time), payment deadline {options.PaymentTimeout.TotalSeconds:0.#} s; gives up when no order finishes for {StallLimit(options).TotalSeconds:0} s or after {demo.Timeout.TotalMinutes:0} min");

            var requests = Enumerable.Range(0, demo.Orders).Select(i => Request(i, prefix, options)).ToArray();
            var postLatencies = new double[demo.Orders];
            var postFailures = new List<string>();
            var orderIds = new Guid[demo.Orders];
            var placed = 0;
            // Closed loop: at most InFlight orders are unfinished at once, so the backlog (and with it the
            // latency) stays bounded whatever the machine's speed. Slots come back as orders finish.
            using var window = new SemaphoreSlim(demo.InFlight, demo.InFlight);
            var clock = Stopwatch.StartNew();
            using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
            var placing = Parallel.ForEachAsync(Enumerable.Range(0, demo.Orders), new ParallelOptions { MaxDegreeOfParallelism = demo.Concurrency }, async (i, cancellationToken) =>
            {
                await window.WaitAsync(cancellationToken);
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.PostAsJsonAsync("/orders", requests[i], cancellationToken);
                    if (response.StatusCode == HttpStatusCode.Accepted && await response.Content.ReadFromJsonAsync<OrderView>(cancellationToken) is { } view)
                    {
                        orderIds[i] = view.Id;
                    }
                    else
                    {
                        window.Release();
                        var body = await response.Content.ReadAsStringAsync(cancellationToken);
                        lock (postFailures)
                        {
                            postFailures.Add($"order {i}: HTTP {(int)response.StatusCode} {body}");
                        }
                    }
                }
                catch (HttpRequestException ex)
                {
                    window.Release();
                    lock (postFailures)
                    {
                        postFailures.Add($"order {i}: {ex.Message}");
                    }
                }
                postLatencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                Interlocked.Increment(ref placed);
            });

            // Progress, from the database: how many of this run's orders are where.
            var progress = new ProgressLine(console);
            var deadline = demo.Timeout;
            var stallLimit = StallLimit(options);
            var lastFinal = 0;
            var lastProgress = TimeSpan.Zero;
            var stalled = false;
            Dictionary<OrderStatus, int> counts;
            TimeSpan placingTime = default;
            var released = 0;
            while (true)
            {
                counts = await CountsAsync(app.Services, prefix);
                if (placing.IsCompleted && placingTime == default)
                {
                    placingTime = clock.Elapsed;
                }
                var final = counts.GetValueOrDefault(OrderStatus.Completed) + counts.GetValueOrDefault(OrderStatus.Cancelled);
                var total = counts.Values.Sum();
                if (final > released)
                {
                    window.Release(final - released);
                    released = final;
                }
                progress.Show($"{clock.Elapsed.TotalSeconds,6:0.0} s  placed {Volatile.Read(ref placed),7:N0}/{demo.Orders:N0}  in flight {total - final,6:N0}  completed {counts.GetValueOrDefault(OrderStatus.Completed),7:N0}  cancelled {counts.GetValueOrDefault(OrderStatus.Cancelled),6:N0}  {final / Math.Max(clock.Elapsed.TotalSeconds, 0.001),7:N0} orders/s");
                if (placing.IsCompleted && (final == demo.Orders || (postFailures.Count > 0 && total == final)))
                {
                    break;
                }
                if (final > lastFinal)
                {
                    lastFinal = final;
                    lastProgress = clock.Elapsed;
                }
                if (clock.Elapsed > deadline)
                {
                    break;
                }
                if (clock.Elapsed - lastProgress > stallLimit)
                {
                    stalled = true;
                    break;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(250));
            }
            progress.End();
            var waited = clock.Elapsed;
            await placing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

            var expected = orderIds.Select((id, i) => (id, i)).Where(x => x.id != Guid.Empty).ToDictionary(x => x.id, x => Expected(x.i));
            var summary = await SummarizeAsync(app.Services, prefix, expected, stockBefore);
            await console.WriteLineAsync();
            await console.WriteLineAsync($"Placed      {demo.Orders:N0} orders in {placingTime.TotalSeconds:0.00} s = {demo.Orders / placingTime.TotalSeconds:N0} orders/s (HTTP POST p50 {Percentile(postLatencies, 50):0.0} ms, p99 {Percentile(postLatencies, 99):0.0} ms)");
            await console.WriteLineAsync($"Finished    {summary.Final:N0} of {demo.Orders:N0} orders in {summary.Span.TotalSeconds:0.00} s (first placed to last final) = {summary.Final / Math.Max(summary.Span.TotalSeconds, 0.001):N0} orders/s");
            await console.WriteLineAsync($"Outcomes    {string.Join(", ", summary.Outcomes.Select(o => $"{o.Key} {o.Value:N0}"))}");
            foreach (var (name, latencies) in summary.Latencies)
            {
                await console.WriteLineAsync($"Latency     {name,-26} n={latencies.Length,-6:N0} p50 {Percentile(latencies, 50),7:N0} ms  p90 {Percentile(latencies, 90),7:N0} ms  p99 {Percentile(latencies, 99),7:N0} ms  max {Percentile(latencies, 100),7:N0} ms");
            }
            await console.WriteLineAsync($"Sagas       {summary.OpenSagas:N0} of this run's saga instances still open");

            var failures = new List<string>(postFailures.Take(5));
            if (postFailures.Count > 5)
            {
                failures.Add($"... {postFailures.Count - 5} more failed requests");
            }
            if (summary.Final != demo.Orders)
            {
                failures.Add($"{demo.Orders - summary.Final:N0} order(s) not final after {waited.TotalSeconds:0} s{(stalled ? $" (none finished in the last {stallLimit.TotalSeconds:0} s)" : "")}: {string.Join(", ", summary.NotFinal.Take(5))}");
            }
            failures.AddRange(summary.Failures);
            foreach (var failure in failures)
            {
                await console.WriteLineAsync("FAILED: " + failure);
            }
            await console.WriteLineAsync(failures.Count == 0
                ? $"ALL CHECKS PASSED: every one of {demo.Orders:N0} orders reached its expected final state, all sagas completed, stock adds up"
                : "CHECKS FAILED");
            return failures.Count == 0 ? 0 : 1;
        }
        finally
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await app.StopAsync(stop.Token);
        }
    }

    /// <summary>
    /// The demo gives up when no order became final for this long: longer than the payment deadline (an
    /// unanswered payment legitimately takes that long) plus a minute for a slow machine.
    /// </summary>
    private static TimeSpan StallLimit(OrdersOptions options) => options.PaymentTimeout + TimeSpan.FromMinutes(1);

    /// <summary>The i-th order. The mix is fixed so each outcome is expected: see <see cref="Expected"/>.</summary>
    private static PlaceOrderRequest Request(int i, string prefix, OrdersOptions options)
    {
        var random = new Random(i);
        var customer = prefix + (i % 200).ToString(CultureInfo.InvariantCulture);
        var quantity = 1 + random.Next(3);
        var amount = Math.Round(5m + (decimal)random.NextDouble() * 295m, 2);
        if (decimal.Remainder(amount * 100, 100) == 13)
        {
            amount += 0.01m;
        }
        return Expected(i) switch
        {
            "Cancelled/PaymentTimedOut" => new PlaceOrderRequest(customer, Products[i % 3], quantity, decimal.Truncate(amount) + 0.13m),
            "Cancelled/PaymentDeclined" => new PlaceOrderRequest(customer, Products[i % 3], quantity, options.CardLimit + 500m),
            "Completed or Cancelled/OutOfStock" => new PlaceOrderRequest(customer, "LIMITED", quantity, amount),
            _ => new PlaceOrderRequest(customer, Products[i % 3], quantity, amount),
        };
    }

    /// <summary>What the i-th order must end as: 2% unanswered payments, 4% declined, 5% of a scarce product.</summary>
    private static string Expected(int i) => (i % 50, i % 25, i % 20) switch
    {
        (7, _, _) => "Cancelled/PaymentTimedOut",
        (_, 3, _) => "Cancelled/PaymentDeclined",
        (_, _, 11) => "Completed or Cancelled/OutOfStock",
        _ => "Completed",
    };

    private static async Task<Dictionary<string, int>> StockAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrdersDbContext>();
        return await db.Stock.AsNoTracking().ToDictionaryAsync(s => s.Sku, s => s.Available, StringComparer.Ordinal);
    }

    private static async Task<Dictionary<OrderStatus, int>> CountsAsync(IServiceProvider services, string prefix)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrdersDbContext>();
        var rows = await db.Orders.AsNoTracking().Where(o => o.CustomerId.StartsWith(prefix))
            .GroupBy(o => o.Status).Select(g => new { Status = g.Key, Count = g.Count() }).ToListAsync();
        return rows.ToDictionary(r => r.Status, r => r.Count);
    }

    private static async Task<Summary> SummarizeAsync(IServiceProvider services, string prefix, Dictionary<Guid, string> expectedByOrder, Dictionary<string, int> stockBefore)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrdersDbContext>();
        var orders = await db.Orders.AsNoTracking().Where(o => o.CustomerId.StartsWith(prefix)).ToListAsync();
        var openSagas = await db.Set<LogBus.EntityFrameworkCore.SagaInstanceRecord>().AsNoTracking().Select(s => s.CorrelationId).ToListAsync();
        var ids = orders.Select(o => o.Id.ToString()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var stockAfter = await db.Stock.AsNoTracking().ToDictionaryAsync(s => s.Sku, s => s.Available, StringComparer.Ordinal);
        var payments = await db.Payments.AsNoTracking().Where(p => p.Accepted).Select(p => p.OrderId).ToListAsync();

        var failures = new List<string>();
        var final = orders.Where(o => o.IsFinal).ToList();
        var outcomes = final.GroupBy(Outcome).OrderByDescending(g => g.Count()).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var latencies = final.GroupBy(Outcome).OrderByDescending(g => g.Count())
            .Select(g => (Name: g.Key, Values: g.Select(o => (o.FinishedAt!.Value - o.PlacedAt).TotalMilliseconds).ToArray()))
            .Prepend(("all orders", final.Select(o => (o.FinishedAt!.Value - o.PlacedAt).TotalMilliseconds).ToArray()))
            .ToList();
        var span = final.Count == 0 ? TimeSpan.Zero : final.Max(o => o.FinishedAt!.Value) - orders.Min(o => o.PlacedAt);

        // Each order's outcome against the mix it was generated from.
        var unknown = orders.Count(o => !expectedByOrder.ContainsKey(o.Id));
        if (unknown > 0)
        {
            failures.Add($"{unknown} order(s) of this run were not placed by it");
        }
        var wrong = final.Where(o => expectedByOrder.TryGetValue(o.Id, out var expected) && !expected.Split(" or ").Contains(Outcome(o))).ToList();
        if (wrong.Count > 0)
        {
            failures.Add($"{wrong.Count} order(s) ended unexpectedly, e.g. {wrong[0].Id}: {Outcome(wrong[0])}, expected {expectedByOrder[wrong[0].Id]}");
        }
        var open = openSagas.Count(ids.Contains);
        if (open > 0 && final.Count == orders.Count)
        {
            failures.Add($"{open} saga instance(s) of final orders are still open");
        }
        // Exactly-once check: every product lost exactly the units of this run's completed orders
        // (reserved once, released once for cancelled ones). Holds when nothing else orders meanwhile.
        foreach (var sku in stockBefore.Keys)
        {
            var taken = final.Where(o => o.Sku == sku && o.Status == OrderStatus.Completed).Sum(o => o.Quantity);
            var delta = stockBefore[sku] - stockAfter.GetValueOrDefault(sku);
            if (final.Count == orders.Count && delta != taken)
            {
                failures.Add($"stock of {sku} went down by {delta}, but this run's completed orders took {taken}");
            }
        }
        var paidCompleted = final.Count(o => o.Status == OrderStatus.Completed);
        var paid = payments.Count(p => ids.Contains(p.ToString()));
        if (paid != paidCompleted)
        {
            failures.Add($"{paid} accepted payments for {paidCompleted} completed orders");
        }
        return new Summary(final.Count, span, outcomes, latencies, open, orders.Where(o => !o.IsFinal).Select(o => $"{o.Id} {o.Status}").ToList(), failures);
    }

    private static string Outcome(Order order) => order.Status == OrderStatus.Cancelled ? "Cancelled/" + order.CancellationReason : order.Status.ToString();

    /// <summary>Nearest-rank percentile (100 = max); 0 for no values.</summary>
    private static double Percentile(double[] values, double percentile)
    {
        if (values.Length == 0)
        {
            return 0;
        }
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

}

// The LogBus sample: an order service.
//
//   dotnet run --project samples/Orders                     HTTP API on http://localhost:5000
//   dotnet run --project samples/Orders -- --demo 1000      place 1,000 orders, print throughput and latency
//
// POST /orders saves an order with EF Core and publishes OrderPlaced through the transactional outbox;
// the OrderSaga reserves stock, charges the customer and drives every order to Completed or Cancelled;
// GET /orders/{id} shows where it is; /health reports the bus. Out of the box it runs the bundled broker
// inside the process and keeps orders in SQLite, so it needs nothing but the .NET SDK. Configuration
// (appsettings.json, ORDERS_/environment variables or --Key=value arguments):
//
//   Broker:BootstrapServers   use a running logbus-broker, Kafka or Redpanda instead of the embedded broker
//   Broker:Port               the embedded broker's port (default 9092, or a free port when 9092 is taken)
//   ConnectionStrings:Orders  use PostgreSQL (Npgsql connection string) instead of SQLite
//   Orders:DataDirectory      SQLite database and embedded broker data (default: logbus-orders in the temp directory)
//   Orders:PaymentTimeout     the saga's payment deadline (default 00:00:30)
//   Orders:CardLimit          the simulated gateway declines amounts above this (default 1000)
using LogBus;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Orders;
using Orders.Api;
using Orders.Consumers;
using Orders.Data;
using Orders.Demo;
using Orders.Hosting;
using Orders.Messages;
using Orders.Sagas;

var demo = DemoOptions.Parse(args);
var builder = WebApplication.CreateBuilder(args);

var orders = builder.Configuration.GetSection("Orders").Get<OrdersOptions>() ?? new OrdersOptions();
if (demo is not null)
{
    demo.Configure(builder);
}
builder.Services.AddSingleton(orders);
builder.Services.AddSingleton<PaymentGateway>();

// The database: SQLite in the data directory unless a PostgreSQL connection string is configured.
var postgres = builder.Configuration.GetConnectionString("Orders");
Directory.CreateDirectory(orders.DataDirectory);
builder.Services.AddDbContext<OrdersDbContext>(db =>
{
    if (string.IsNullOrEmpty(postgres))
    {
        db.UseSqlite($"Data Source={Path.Combine(orders.DataDirectory, "orders.db")}").AddInterceptors(new SqliteTuning());
    }
    else
    {
        db.UseNpgsql(postgres);
    }
});
builder.Services.AddHostedService<DatabaseInitializer>(); // before LogBus: the schema exists before the relay starts

// The bus.
var bootstrapServers = builder.Configuration["Broker:BootstrapServers"];
var (brokerPort, portNote) = string.IsNullOrEmpty(bootstrapServers) ? EmbeddedBrokerPort.Choose(builder.Configuration["Broker:Port"]) : (0, null);
builder.Services.AddLogBus(bus =>
{
    bus.ServiceName = "orders"; // consumer groups: orders.order-saga, orders.stock-consumer, ...
    if (string.IsNullOrEmpty(postgres))
    {
        // SQLite takes one writer at a time: consumers on more partitions would only queue for its lock.
        bus.DefaultPartitions = 1;
    }

    // Topics and keys. The saga's replies (StockReserved, PaymentAccepted, ...) need no mapping: they
    // share the topic "order-saga", keyed by order id.
    bus.Message<OrderPlaced>(m => m.Topic("orders").Key(o => o.OrderId));
    bus.Message<ReserveStock>(m => m.Topic("stock").Key(c => c.OrderId));
    bus.Message<ReleaseStock>(m => m.Topic("stock").Key(c => c.OrderId));
    bus.Message<ChargePayment>(m => m.Topic("payments").Key(c => c.OrderId));
    bus.Message<OrderCompleted>(m => m.Topic("order-events").Key(e => e.CustomerId));
    bus.Message<OrderCancelled>(m => m.Topic("order-events").Key(e => e.CustomerId));

    // Publish inside a DbContext unit of work = a row in the outbox table, committed with SaveChanges.
    bus.AddEntityFrameworkOutbox<OrdersDbContext>(o =>
    {
        if (string.IsNullOrEmpty(postgres))
        {
            o.UseSqlite();
        }
        else
        {
            o.UsePostgres(); // the relay also wakes on NOTIFY from every instance
        }
    });

    // The saga keeps its state in the same database; the inbox makes each message count once.
    bus.AddSaga<OrderSaga>(s =>
    {
        s.UseEntityFramework<OrdersDbContext>();
        s.Consumer(c => c.UseInbox<OrdersDbContext>());
    });
    bus.AddConsumer<StockConsumer>(c => c.UseInbox<OrdersDbContext>());
    bus.AddConsumer<PaymentConsumer>(c => c.UseInbox<OrdersDbContext>());
    bus.AddConsumer<CustomerNotifications>(); // at-least-once, no inbox

    if (string.IsNullOrEmpty(bootstrapServers))
    {
        // The bundled broker inside this process; kcat or `logbus --bootstrap 127.0.0.1:9092` can connect.
        bus.UsingEmbeddedBroker(b =>
        {
            b.DataDirectory = Path.Combine(orders.DataDirectory, "broker");
            b.Port = brokerPort;
        });
    }
    else
    {
        bus.UsingKafka(k => k.BootstrapServers = bootstrapServers); // logbus-broker, Apache Kafka, Redpanda
    }
});
if (demo is null)
{
    builder.Services.AddHostedService<BusStartupCheck>();
}

var app = builder.Build();
app.MapOrders();
app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = HealthResponse.WriteAsync });

var startup = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Orders");
StartupLog.Configuration(startup,
    string.IsNullOrEmpty(postgres) ? "SQLite in " + orders.DataDirectory : "PostgreSQL",
    string.IsNullOrEmpty(bootstrapServers) ? $"embedded broker on 127.0.0.1:{brokerPort}" : bootstrapServers);
if (portNote is not null)
{
    StartupLog.PortTaken(startup, portNote);
}

if (demo is not null)
{
    return await DemoRunner.RunAsync(app, demo, orders);
}
await app.RunAsync();
return Environment.ExitCode;

/// <summary>The entry point, visible to <c>WebApplicationFactory&lt;Program&gt;</c> in the tests.</summary>
public partial class Program;

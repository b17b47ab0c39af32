using System.Net;
using System.Net.Sockets;

namespace Orders.Hosting;

/// <summary>Chooses the embedded broker's port: the configured one, else Kafka's 9092 when it is free, else any free port.</summary>
public static class EmbeddedBrokerPort
{
    public const int Preferred = 9092;

    /// <summary>The port to use and, when it is not the one asked for, why.</summary>
    public static (int Port, string? Note) Choose(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            // Explicit: used as it is; a port in use fails at start with a clear message. 0 = any free port,
            // chosen here so that the start-up log can say which (tools such as `logbus` need it).
            var port = int.Parse(configured, System.Globalization.CultureInfo.InvariantCulture);
            return (port == 0 ? AnyFree() : port, null);
        }
        if (IsFree(Preferred))
        {
            return (Preferred, null);
        }
        var free = AnyFree();
        return (free, $"port {Preferred} is in use (another broker?), so the embedded broker listens on 127.0.0.1:{free}; set Broker:Port to choose one");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int AnyFree()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

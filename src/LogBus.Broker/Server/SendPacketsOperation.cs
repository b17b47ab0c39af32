using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace LogBus.Broker.Server;

/// <summary>
/// A reusable, awaitable <see cref="Socket.SendPacketsAsync"/>: one per connection, one send at a time
/// (the connection's write loop owns it). File elements go out with sendfile(2) on Linux.
/// </summary>
internal sealed class SendPacketsOperation : SocketAsyncEventArgs, IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _source = new() { RunContinuationsAsynchronously = true };

    public SendPacketsOperation()
        : base(unsafeSuppressExecutionContextFlow: true)
    {
    }

    /// <summary>Sends the elements; completes when all bytes were handed to the kernel. Throws <see cref="SocketException"/> on failure.</summary>
    public ValueTask SendAsync(Socket socket, SendPacketsElement[] elements)
    {
        _source.Reset();
        SendPacketsElements = elements;
        if (!socket.SendPacketsAsync(this))
        {
            var error = SocketError;
            SendPacketsElements = null;
            return error == SocketError.Success ? ValueTask.CompletedTask : ValueTask.FromException(new SocketException((int)error));
        }
        return new ValueTask(this, _source.Version);
    }

    protected override void OnCompleted(SocketAsyncEventArgs e)
    {
        SendPacketsElements = null;
        if (e.SocketError == SocketError.Success)
        {
            _source.SetResult(true);
        }
        else
        {
            _source.SetException(new SocketException((int)e.SocketError));
        }
    }

    void IValueTaskSource.GetResult(short token) => _source.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _source.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _source.OnCompleted(continuation, state, token, flags);
}

using System.Net.Sockets;
using System.Text;

namespace EdgeAi.Common.Tests.Service;

/// <summary>A unix datagram socket standing in for systemd's NOTIFY_SOCKET: it receives what the process tells its manager.</summary>
internal sealed class NotifySocket : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgeai-notify-").FullName;
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

    public NotifySocket()
    {
        Path = System.IO.Path.Combine(_directory, "notify");
        _socket.Bind(new UnixDomainSocketEndPoint(Path));
    }

    public string Path { get; }

    /// <summary>Datagrams until one equals <paramref name="message"/> (systemd sends one assignment per line, one message per datagram).</summary>
    public async Task<IReadOnlyList<string>> ReceiveUntilAsync(string message, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var received = new List<string>();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var length = await _socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
                var text = Encoding.UTF8.GetString(buffer, 0, length);
                received.Add(text);
                if (text.Split('\n').Contains(message))
                {
                    return received;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no {message} within {timeout}; received: [{string.Join(", ", received)}]");
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}

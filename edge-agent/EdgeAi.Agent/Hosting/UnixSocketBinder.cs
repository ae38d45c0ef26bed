using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Hosting;

/// <summary>
/// Binds the agent's Unix sockets for Kestrel (<see cref="SocketTransportOptions.CreateBoundListenSocket"/>): a file
/// left by an agent that was killed is replaced, a socket another live agent listens on is refused, and the file
/// mode is set after bind and before listen, so no caller can connect while the socket still has the umask's mode.
/// On a clean shutdown Kestrel disposes the listening sockets, and .NET removes a Unix socket's file with its socket.
/// </summary>
internal sealed class UnixSocketBinder(UnixSocketOptions options)
{
    /// <summary>What Kestrel calls to bind every endpoint; endpoints other than Unix sockets get its default.</summary>
    public Socket CreateBoundListenSocket(EndPoint endpoint)
    {
        if (endpoint is not UnixDomainSocketEndPoint unix)
        {
            return SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
        }
        var path = unix.ToString();
        Claim(path);
        Socket socket;
        try
        {
            socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
        {
            throw new OptionsValidationException(UnixSocketOptions.Section, typeof(UnixSocketOptions),
                [$"{UnixSocketOptions.Section}:Directory '{options.Directory}' is not writable by the agent's user: cannot create {path} ({e.Message})"]);
        }
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, options.FileMode);
            }
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Makes <paramref name="path"/> free to bind: nothing there, or a socket nobody listens on (removed).</summary>
    private static void Claim(string path)
    {
        if (System.IO.Directory.Exists(path))
        {
            throw new IOException($"{path} is a directory, not a socket; remove it or set {UnixSocketOptions.Section}:Directory elsewhere");
        }
        if (!File.Exists(path))
        {
            return;
        }
        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                // Connecting to a Unix socket does not wait on the network: it is accepted into the backlog or refused at once.
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new IOException($"{path} is in use: another process (another edge agent?) listens on it; stop it or set {UnixSocketOptions.Section}:Directory elsewhere");
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                // Nobody listens: a socket left by a process that was killed, or not a socket at all.
            }
        }
        if (!IsSocketFile(path))
        {
            throw new IOException($"{path} exists and is not a socket; the agent will not replace it (remove it or set {UnixSocketOptions.Section}:Directory elsewhere)");
        }
        File.Delete(path);
    }

    /// <summary>Whether <paramref name="path"/> is a socket: open(2) refuses a socket with ENXIO, and opens anything a file stream can read.</summary>
    private static bool IsSocketFile(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }
}

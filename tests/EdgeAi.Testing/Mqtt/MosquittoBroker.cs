using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeAi.Testing.Mqtt;

/// <summary>
/// A real Mosquitto 2 in its own process for external-broker and fault tests: password and ACL files
/// (devices read and write only under edgeai/v1/{their id}/, the hub user reads and writes edgeai/v1/#),
/// persistence in its own directory (a graceful restart keeps queued QoS 1 messages), and a fixed port
/// so a restart comes back where clients expect it. Add devices before <see cref="StartAsync"/>.
/// In dynamic-security mode there are no such files: the plugin's JSON (<see cref="MosquittoDynamicSecurity"/>)
/// holds the hub user (admin role plus the hub's role), the hub adds the devices, and it lives across restarts.
/// </summary>
internal sealed class MosquittoBroker : IAsyncDisposable
{
    public const string HubUser = "hub";
    public const string HubPassword = "hub-password-0123456789";

    /// <summary>Mosquitto's max_packet_size here: the hub's default Hub:Mqtt:MaxPacketBytes, as README tells operators to set it.</summary>
    public const int MaxPacketBytes = 4 * 1024 * 1024;

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(15);

    private readonly Dictionary<string, string> _users = new(StringComparer.Ordinal) { [HubUser] = HubPassword };
    private readonly StringBuilder _log = new();
    private Process? _process;

    /// <param name="directory">Where the configuration, password file, ACL and persistence go (a scratch directory).</param>
    /// <param name="dynamicSecurity">Load the dynamic security plugin instead of password and ACL files.</param>
    public MosquittoBroker(string directory, bool dynamicSecurity = false)
    {
        Directory = System.IO.Directory.CreateDirectory(directory).FullName;
        Port = FreePort();
        DynamicSecurity = dynamicSecurity;
    }

    public bool DynamicSecurity { get; }

    /// <summary>The plugin's JSON (dynamic-security mode), which the broker rewrites on every change.</summary>
    public string DynamicSecurityFile => Path.Combine(Directory, "dynamic-security.json");

    public string Directory { get; }

    public int Port { get; }

    /// <summary>For the hub's Hub:Mqtt:ExternalBroker.</summary>
    public string Uri => $"mqtt://127.0.0.1:{Port}";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Everything Mosquitto logged so far (include it in failure messages).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>The hub settings that make a hub this broker's client (Hub:Mqtt:ExternalBroker), logging in as <see cref="HubUser"/>.</summary>
    public Dictionary<string, string?> HubSettings(string? clientId = null)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Hub:Mqtt:ExternalBroker"] = Uri,
            ["Hub:Mqtt:ExternalUsername"] = HubUser,
            ["Hub:Mqtt:ExternalPassword"] = HubPassword,
        };
        if (clientId is not null)
        {
            settings["Hub:Mqtt:ClientId"] = clientId;
        }
        if (DynamicSecurity)
        {
            settings["Hub:Mqtt:DynamicSecurity:Enabled"] = "true";
        }
        return settings;
    }

    /// <summary>A device that may log in with its id as user name; takes effect at the next start.</summary>
    public void AddDevice(string deviceId, string password) => _users[deviceId] = password;

    /// <summary>Starts Mosquitto (again, on the same port) and returns once it accepts TCP connections.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("mosquitto is already running");
        }
        await WriteFilesAsync(cancellationToken);
        var start = new ProcessStartInfo("/usr/sbin/mosquitto", ["-c", Path.Combine(Directory, "mosquitto.conf")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("mosquitto did not start");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await WaitReadyAsync(cancellationToken);
    }

    /// <summary>Graceful stop (SIGTERM): Mosquitto saves its persistence file, then exits.</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process)
        {
            return;
        }
        if (!process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill!.WaitForExitAsync();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await process.WaitForExitAsync(timeout.Token);
        process.Dispose();
        _process = null;
    }

    /// <summary>Hard kill (SIGKILL): no goodbye to clients, no persistence save.</summary>
    public async Task KillAsync()
    {
        if (_process is not { } process)
        {
            return;
        }
        process.Kill();
        await process.WaitForExitAsync();
        process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync() => await KillAsync();

    private async Task WriteFilesAsync(CancellationToken cancellationToken)
    {
        var data = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "data")).FullName;
        string access;
        if (DynamicSecurity)
        {
            // Written once: from then on the plugin owns the file (the hub's changes must survive a restart).
            if (!File.Exists(DynamicSecurityFile))
            {
                await MosquittoDynamicSecurity.InitAsync(DynamicSecurityFile, HubUser, HubPassword, cancellationToken);
            }
            access = $"""
                per_listener_settings false
                plugin {MosquittoDynamicSecurity.PluginPath}
                plugin_opt_config_file {DynamicSecurityFile}
                """;
        }
        else
        {
            access = await WritePasswordsAndAclAsync(cancellationToken);
        }
        await File.WriteAllTextAsync(Path.Combine(Directory, "mosquitto.conf"), $"""
            # Written by the EdgeAi test kit.
            user {Environment.UserName}
            {access}
            listener {Port} 127.0.0.1
            allow_anonymous false
            max_packet_size {MaxPacketBytes}
            # Mosquitto's default (1000 messages queued per session, the rest dropped after the sender's PUBACK) would lose
            # what a fleet sends while the hub's session is busy or away: README tells operators to lift it too.
            max_queued_messages 1000000
            persistence true
            persistence_location {data}/
            autosave_interval 1
            log_dest stderr
            log_type error
            log_type warning
            log_type notice
            log_type information

            """, cancellationToken);
    }

    /// <summary>The password file (hub and devices) and the ACL file; returns the configuration lines naming them.</summary>
    private async Task<string> WritePasswordsAndAclAsync(CancellationToken cancellationToken)
    {
        var passwords = Path.Combine(Directory, "passwd");
        File.Delete(passwords);
        await File.WriteAllTextAsync(passwords, "", cancellationToken);
        foreach (var (user, password) in _users)
        {
            using var tool = Process.Start(new ProcessStartInfo("/usr/bin/mosquitto_passwd", ["-b", passwords, user, password]) { RedirectStandardError = true })!;
            await tool.WaitForExitAsync(cancellationToken);
            if (tool.ExitCode != 0)
            {
                throw new InvalidOperationException($"mosquitto_passwd failed for {user}: {await tool.StandardError.ReadToEndAsync(cancellationToken)}");
            }
        }
        var acl = Path.Combine(Directory, "acl");
        await File.WriteAllTextAsync(acl, $"""
            user {HubUser}
            topic read edgeai/v1/#
            topic write edgeai/v1/#

            pattern readwrite edgeai/v1/%u/#

            """, cancellationToken);
        return $"""
            password_file {passwords}
            acl_file {acl}
            """;
    }

    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        await Eventually.UntilAsync(async () =>
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"mosquitto exited with {_process.ExitCode}:\n{Log}");
            }
            using var probe = new TcpClient();
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(TimeSpan.FromSeconds(1));
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, Port, attempt.Token);
                return true;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }, () => $"mosquitto to accept connections on {Port}:\n{Log}", cancellationToken, ReadyTimeout);
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}

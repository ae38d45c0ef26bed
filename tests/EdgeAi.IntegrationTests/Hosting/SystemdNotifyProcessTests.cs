using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace EdgeAi.IntegrationTests.Hosting;

/// <summary>
/// The real executables under a stand-in for systemd: NOTIFY_SOCKET (a unix datagram socket the test binds) and
/// WATCHDOG_USEC in the child's environment only. READY=1 once started, then WATCHDOG=1 (sent after the start
/// only while the process answers its own /healthz), STOPPING=1 on SIGTERM; exit 78 on an invalid configuration.
/// </summary>
public sealed class SystemdNotifyProcessTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly Scratch _scratch = new("edgeai-notify-");
    private readonly Socket _notify = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly string _socketPath;

    public SystemdNotifyProcessTests()
    {
        _socketPath = Path.Combine(_scratch.Sub("notify"), "notify.sock");
        _notify.Bind(new UnixDomainSocketEndPoint(_socketPath));
    }

    public void Dispose()
    {
        _notify.Dispose();
        _scratch.Dispose();
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private Dictionary<string, string> Systemd => new(StringComparer.Ordinal) { ["NOTIFY_SOCKET"] = _socketPath, ["WATCHDOG_USEC"] = "4000000" };

    [Fact]
    public async Task AgentRun_UnderSystemd_ReadyWatchdogWhileLiveStoppingOnSigterm()
    {
        await using var agent = NotifiedProcess.Launch("edge-agent",
            ["run", "--data-dir", _scratch.Sub("agent"), "--http-port", "0", "--grpc-port", "0", "--providers", "CPU", "--threads", "1"], Systemd);

        await ExpectLifecycleAsync(agent);
    }

    [Fact]
    public async Task HubRun_UnderSystemd_ReadyWatchdogOverTlsStoppingOnSigterm()
    {
        await using var hub = NotifiedProcess.Launch("cloud-hub",
            ["run", "--data-dir", _scratch.Sub("hub"), "--listen", "127.0.0.1", "--port", "0", "--mqtt-port", "0", "--mqtt-tls-port", "-1"],
            new Dictionary<string, string>(Systemd) { ["EDGEAI_ModelHost__ExecutionProviders__0"] = "CPU" });

        await ExpectLifecycleAsync(hub);
    }

    [Fact]
    public async Task AgentRun_InvalidConfiguration_ExitsConfigurationErrorWithOneLine()
    {
        var agent = AgentProcess.Launch(_scratch.Sub("agent"), new Dictionary<string, string> { ["Agent:ListenAddress"] = "everywhere" });
        agent.ExpectErrors("Microsoft.Extensions.Hosting.Internal.Host", 11);

        var exit = await agent.WaitForExitAsync();
        var output = agent.Output;
        await agent.DisposeAsync();

        exit.ShouldBe(78, output);
        output.ShouldContain("edge-agent: invalid configuration: ");
        output.ShouldContain("ListenAddress 'everywhere' is not an IP address (e.g. 127.0.0.1 or 0.0.0.0).");
    }

    private async Task ExpectLifecycleAsync(NotifiedProcess process)
    {
        var beforeReady = await ReceiveUntilAsync("READY=1", process);
        beforeReady.ShouldAllBe(m => m == "WATCHDOG=1", "before READY only the start's unconditional pings");
        // Two after READY: the first may have been decided just before the host counted as started. (A first probe
        // slower than a second on a loaded machine may skip one ping; systemd would wait the full 4 s.)
        await ReceiveUntilAsync("WATCHDOG=1", process);
        await ReceiveUntilAsync("WATCHDOG=1", process);
        process.Errors.VerifyNoErrors();

        process.Terminate();
        await ReceiveUntilAsync("STOPPING=1", process);
        (await process.WaitForExitAsync()).ShouldBe(0, process.Output);
    }

    private async Task<List<string>> ReceiveUntilAsync(string message, NotifiedProcess process)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Token);
        deadline.CancelAfter(Wait);
        var received = new List<string>();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var text = Encoding.UTF8.GetString(buffer, 0, await _notify.ReceiveAsync(buffer, SocketFlags.None, deadline.Token));
                if (text.Split('\n').Contains(message))
                {
                    return received;
                }
                received.Add(text);
            }
        }
        catch (OperationCanceledException) when (!Token.IsCancellationRequested)
        {
            throw new TimeoutException($"no {message} within {Wait}; received [{string.Join(", ", received)}]; output:\n{process.Output}");
        }
    }

    /// <summary>An executable started with raw environment variables (not EDGEAI_ settings), stopped with SIGTERM as systemd stops it.</summary>
    private sealed class NotifiedProcess : ChildProcess
    {
        private NotifiedProcess(string executable)
            : base(executable)
        {
        }

        public static NotifiedProcess Launch(string executable, string[] arguments, IEnumerable<KeyValuePair<string, string>> environment)
        {
            var process = new NotifiedProcess(executable);
            process.Start(arguments, environment);
            return process;
        }

        public void Terminate()
        {
            using var kill = Process.Start("kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }

        protected override void OnLine(string line)
        {
        }
    }
}

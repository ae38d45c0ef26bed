using EdgeAi.Common.Service;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeAi.Common.Tests.Service;

/// <summary>NOTIFY_SOCKET and WATCHDOG_USEC are process-wide: these tests set them, so nothing runs beside them.</summary>
[CollectionDefinition(nameof(ProcessEnvironment), DisableParallelization = true)]
public sealed class ProcessEnvironment;

/// <summary>The wire: datagrams on a real unix socket, as systemd receives them.</summary>
[Collection(nameof(ProcessEnvironment))]
public sealed class SystemdNotifyTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly NotifySocket _socket = new();

    public void Dispose() => _socket.Dispose();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Watchdog_RealNotifier_SendsWatchdogDatagrams()
    {
        SystemdNotifier notifier;
        using (Environment(("NOTIFY_SOCKET", _socket.Path)))
        {
            notifier = new SystemdNotifier();
        }
        using var lifetime = new FakeLifetime();
        lifetime.Started();
        using var watchdog = new SystemdWatchdog(notifier, [new ScriptedProbe()], lifetime,
            new SystemdWatchdogOptions(TimeSpan.FromMilliseconds(50)), TimeProvider.System, NullLogger<SystemdWatchdog>.Instance);

        await watchdog.StartingAsync(Token);
        var received = await _socket.ReceiveUntilAsync("WATCHDOG=1", Wait, Token);
        await _socket.ReceiveUntilAsync("WATCHDOG=1", Wait, Token);
        await watchdog.StoppingAsync(Token);

        received.ShouldAllBe(m => m == "WATCHDOG=1");
    }

    [Fact]
    public async Task Host_WithServiceManagers_ReadyWatchdogThenStopping()
    {
        IHost host;
        using (Environment(("NOTIFY_SOCKET", _socket.Path), ("WATCHDOG_USEC", "200000"), ("WATCHDOG_PID", null)))
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Services.AddServiceManagers();
            host = builder.Build();
            await host.StartAsync(Token);
        }
        using (host)
        {
            var untilReady = await _socket.ReceiveUntilAsync("READY=1", Wait, Token);
            untilReady.Where(m => m != "READY=1").ShouldAllBe(m => m == "WATCHDOG=1", "only watchdog pings before READY");
            await _socket.ReceiveUntilAsync("WATCHDOG=1", Wait, Token);
            await host.StopAsync(Token);
            await _socket.ReceiveUntilAsync("STOPPING=1", Wait, Token);
        }
    }

    /// <summary>Sets environment variables (null: removes) until disposed, then puts the old values back.</summary>
    private static Restore Environment(params (string Name, string? Value)[] variables)
    {
        var old = variables.Select(v => (v.Name, System.Environment.GetEnvironmentVariable(v.Name))).ToArray();
        foreach (var (name, value) in variables)
        {
            System.Environment.SetEnvironmentVariable(name, value);
        }
        return new Restore(old);
    }

    private sealed class Restore((string Name, string? Value)[] old) : IDisposable
    {
        public void Dispose()
        {
            foreach (var (name, value) in old)
            {
                System.Environment.SetEnvironmentVariable(name, value);
            }
        }
    }
}

using EdgeAi.Agent.Hosting;
using EdgeAi.Common.Inference;
using EdgeAi.Serving.Store;
using EdgeAi.Testing.Logging;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.Testing.Hosts;

/// <summary>
/// The real agent host (<see cref="AgentHost.Build"/>) in this process, REST and gRPC on loopback port 0,
/// optionally pointed at a <see cref="TestHub"/> for fallback and (when the hub runs its embedded broker)
/// the uplink. Disposing it checks its error log.
/// </summary>
internal sealed class TestAgent : ITestHost
{
    private WebApplication? _app;

    public TestAgent(string dataDirectory)
    {
        DataDirectory = dataDirectory;
        Store = ModelInstall.StoreIn(dataDirectory);
    }

    /// <summary>Test timings: CPU, one thread, no model rescans, a hub client that gives up and retries fast, and no periodic checks (their event would shift tests' event counts; the tests of checks turn them on).</summary>
    public static IReadOnlyDictionary<string, string?> TestTimings { get; } = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
    {
        ["Agent:ModelRescanInterval"] = "01:00:00",
        ["ModelHost:ExecutionProviders:0"] = "CPU",
        ["ModelHost:IntraOpThreads"] = "1",
        ["Cloud:AttemptTimeout"] = "00:00:02",
        ["Cloud:MaxRetries"] = "1",
        ["Cloud:RetryDelay"] = "00:00:00.020",
        ["Cloud:BreakDuration"] = "00:00:01",
        ["Cloud:MinimumThroughput"] = "2",
        ["Agent:Check:Enabled"] = "false",
    };

    /// <summary>An uplink that reconnects within milliseconds, so tests about a broker going away do not wait seconds.</summary>
    public static IReadOnlyDictionary<string, string?> FastReconnect { get; } = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
    {
        ["Uplink:MinReconnectDelay"] = "00:00:00.100",
        ["Uplink:MaxReconnectDelay"] = "00:00:00.500",
        ["Uplink:IdleCheckInterval"] = "00:00:00.200",
        ["Uplink:ConnectTimeout"] = "00:00:02",
    };

    /// <summary>A reconciler that retries a download within milliseconds.</summary>
    public static IReadOnlyDictionary<string, string?> FastFleetRetries { get; } = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
    {
        ["Fleet:RetryDelay"] = "00:00:00.050",
        ["Fleet:MaxRetryDelay"] = "00:00:00.200",
    };

    public string DataDirectory { get; }

    /// <summary>The agent's model store (DATA/models).</summary>
    public ModelStore Store { get; }

    public GrpcChannel Channel { get; private set; } = null!;

    public GRPCInferenceService.GRPCInferenceServiceClient Grpc { get; private set; } = null!;

    /// <summary>The agent's REST and gRPC listeners.</summary>
    public Uri HttpUri { get; private set; } = null!;

    public Uri GrpcUri { get; private set; } = null!;

    /// <summary>The Unix sockets' settings when Agent:UnixSocket:Directory was set; null otherwise.</summary>
    public UnixSocketOptions? UnixSockets { get; private set; }

    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("the agent is not running");

    public ErrorLog Errors { get; } = new("agent");

    /// <summary>Uplink settings for device-a at <paramref name="brokerUrl"/>, with <see cref="FastReconnect"/>.</summary>
    public static Dictionary<string, string?> UplinkSettings(string brokerUrl, string deviceId = TestHub.DeviceId, string deviceKey = TestHub.DeviceKey) =>
        HostSettings.Merge(
            new Dictionary<string, string?>
            {
                ["Agent:DeviceId"] = deviceId,
                ["Cloud:DeviceKey"] = deviceKey,
                ["Uplink:BrokerUrl"] = brokerUrl,
            },
            FastReconnect);

    /// <summary>Installs a model version into the agent's store (before start, or followed by a loader sync).</summary>
    public StoredModel Install(string name, byte[] model, string version = "1")
    {
        Directory.CreateDirectory(DataDirectory);
        return Store.Install(name, model, version);
    }

    /// <summary>
    /// Starts the agent with <see cref="TestTimings"/>, pointed at <paramref name="hub"/> when there is one (fallback as
    /// device-a, and the uplink to its embedded broker), then <paramref name="settings"/> over all of it.
    /// </summary>
    public Task StartAsync(TestHub? hub, IEnumerable<KeyValuePair<string, string?>>? settings = null) =>
        StartWithAsync(HostSettings.Merge(TestTimings, hub is null ? null : PointedAt(hub), settings));

    /// <summary>
    /// Starts the agent with nothing but its data directory, free loopback ports and warnings-only logging
    /// under <paramref name="settings"/>: the agent as configured by default (what the benchmark measures).
    /// Waits until its installed models are loaded.
    /// </summary>
    public async Task StartWithAsync(IEnumerable<KeyValuePair<string, string?>> settings, CancellationToken cancellationToken = default)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("the agent is already running");
        }
        var listeners = new Dictionary<string, string?>
        {
            ["Agent:DataDirectory"] = DataDirectory,
            ["Agent:HttpPort"] = "0",
            ["Agent:GrpcPort"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        _app = AgentHost.Build(HostSettings.Merge(listeners, settings, [ErrorLog.CollectorFilter]));
        Errors.InstallInto(_app.Services);
        await _app.StartAsync(cancellationToken);
        await _app.Services.GetRequiredService<ModelLoader>().InitialLoad.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        var endpoints = _app.Services.GetRequiredService<AgentEndpoints>();
        (HttpUri, GrpcUri, UnixSockets) = (endpoints.HttpUri, endpoints.GrpcUri, endpoints.UnixSockets);
        Channel = GrpcChannel.ForAddress(GrpcUri);
        Grpc = new GRPCInferenceService.GRPCInferenceServiceClient(Channel);
    }

    public async Task StopAsync()
    {
        Channel?.Dispose();
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Errors.VerifyNoErrors();
    }

    private static Dictionary<string, string?> PointedAt(TestHub hub) =>
        HostSettings.Merge(
            hub.AgentCloudSettings(),
            // The uplink too, to the hub's embedded broker, retrying fast.
            hub.MqttPort > 0 ? UplinkSettings($"mqtt://127.0.0.1:{hub.MqttPort}") : null);
}

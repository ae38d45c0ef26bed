using System.Globalization;
using EdgeAi.Agent.Hosting;
using EdgeAi.Common.Inference;
using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Security;
using EdgeAi.Serving.Store;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.IntegrationTests.Cloud;

/// <summary>A real hub (Kestrel, TLS with its self-signed certificate) on loopback; can be stopped and started again on the same port.</summary>
internal sealed class TestHub : IAsyncDisposable
{
    public const string DeviceId = "device-a";
    public const string DeviceKey = "device-a-key-0123456789";
    public const string AdminKey = "admin-key-0123456789";

    private readonly Dictionary<string, string?> _settings;
    private WebApplication? _app;

    public TestHub(string dataDirectory, IDictionary<string, string?>? settings = null)
    {
        DataDirectory = dataDirectory;
        Store = new ModelStore(Path.Combine(dataDirectory, "models"), TimeProvider.System);
        _settings = new Dictionary<string, string?>
        {
            ["Hub:DataDirectory"] = dataDirectory,
            ["Hub:ListenAddress"] = "127.0.0.1",
            ["Hub:Port"] = "0",
            ["Hub:Mqtt:Port"] = "0",
            ["Hub:Mqtt:TlsPort"] = "0",
            ["Hub:AdminKey"] = AdminKey,
            ["Hub:ModelRescanInterval"] = "01:00:00",
            [$"Hub:DeviceKeys:{DeviceId}"] = DeviceKey,
            ["ModelHost:ExecutionProviders:0"] = "CPU",
            ["ModelHost:IntraOpThreads"] = "1",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string DataDirectory { get; }

    public ModelStore Store { get; }

    public Uri Uri { get; private set; } = null!;

    public string Fingerprint { get; private set; } = null!;

    /// <summary>The embedded MQTT broker's ports; -1 when off (external broker mode).</summary>
    public int MqttPort { get; private set; } = -1;

    public int MqttTlsPort { get; private set; } = -1;

    public string CaPath => Path.Combine(DataDirectory, HubCertificate.PublicCertificateFileName);

    public IServiceProvider Services => _app!.Services;

    public void Install(string name, byte[] model, string version = "1")
    {
        var file = Path.Combine(DataDirectory, $"{name}-{version}.onnx");
        File.WriteAllBytes(file, model);
        Store.Add(file, name, version);
    }

    public async Task StartAsync()
    {
        _app = HubHost.Build(_settings);
        await _app.StartAsync();
        await _app.Services.GetRequiredService<ModelLoader>().InitialLoad.WaitAsync(TimeSpan.FromSeconds(60));
        var endpoints = _app.Services.GetRequiredService<HubEndpoints>();
        Uri = endpoints.Uri;
        Fingerprint = HubCertificate.Fingerprint(endpoints.Certificate!);
        MqttPort = endpoints.MqttPort;
        MqttTlsPort = endpoints.MqttTlsPort;
        // Come back on the same ports after a stop, as a restarted hub would.
        _settings["Hub:Port"] = Uri.Port.ToString(CultureInfo.InvariantCulture);
        if (MqttPort > 0)
        {
            _settings["Hub:Mqtt:Port"] = MqttPort.ToString(CultureInfo.InvariantCulture);
        }
        if (MqttTlsPort > 0)
        {
            _settings["Hub:Mqtt:TlsPort"] = MqttTlsPort.ToString(CultureInfo.InvariantCulture);
        }
    }

    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    /// <summary>A gRPC client that trusts this hub's certificate, with the given bearer key (or none).</summary>
    public (GrpcChannel Channel, GRPCInferenceService.GRPCInferenceServiceClient Client, Metadata Headers) Client(string? key = DeviceKey)
    {
        var handler = new SocketsHttpHandler();
        var fingerprint = Fingerprint;
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate is not null && Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(certificate.GetRawCertData())) == fingerprint;
        var channel = GrpcChannel.ForAddress(Uri, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        var headers = new Metadata();
        if (key is not null)
        {
            headers.Add("authorization", "Bearer " + key);
        }
        return (channel, new GRPCInferenceService.GRPCInferenceServiceClient(channel), headers);
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}

/// <summary>A real agent on loopback port 0, pointed at a hub.</summary>
internal sealed class TestAgent : IAsyncDisposable
{
    private WebApplication? _app;

    public TestAgent(string dataDirectory) => DataDirectory = dataDirectory;

    public string DataDirectory { get; }

    public GrpcChannel Channel { get; private set; } = null!;

    public GRPCInferenceService.GRPCInferenceServiceClient Grpc { get; private set; } = null!;

    /// <summary>The agent's REST and gRPC listeners.</summary>
    public Uri HttpUri { get; private set; } = null!;

    public Uri GrpcUri { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    public void Install(string name, byte[] model, string version = "1")
    {
        var file = Path.Combine(DataDirectory, $"{name}-{version}.onnx");
        Directory.CreateDirectory(DataDirectory);
        File.WriteAllBytes(file, model);
        new ModelStore(Path.Combine(DataDirectory, "models"), TimeProvider.System).Add(file, name, version);
    }

    public async Task StartAsync(TestHub? hub, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Agent:DataDirectory"] = DataDirectory,
            ["Agent:HttpPort"] = "0",
            ["Agent:GrpcPort"] = "0",
            ["Agent:ModelRescanInterval"] = "01:00:00",
            ["ModelHost:ExecutionProviders:0"] = "CPU",
            ["ModelHost:IntraOpThreads"] = "1",
            ["Cloud:AttemptTimeout"] = "00:00:02",
            ["Cloud:MaxRetries"] = "1",
            ["Cloud:RetryDelay"] = "00:00:00.020",
            ["Cloud:BreakDuration"] = "00:00:01",
            ["Cloud:MinimumThroughput"] = "2",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        if (hub is not null)
        {
            all["Cloud:HubUrl"] = hub.Uri.ToString();
            all["Cloud:DeviceKey"] = TestHub.DeviceKey;
            all["Cloud:CertificateFingerprint"] = hub.Fingerprint;
            if (hub.MqttPort > 0)
            {
                // The uplink too, to the hub's embedded broker, retrying fast.
                foreach (var (key, value) in UplinkSettings($"mqtt://127.0.0.1:{hub.MqttPort}"))
                {
                    all[key] = value;
                }
            }
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        _app = AgentHost.Build(all);
        await _app.StartAsync();
        await _app.Services.GetRequiredService<ModelLoader>().InitialLoad.WaitAsync(TimeSpan.FromSeconds(60));
        var endpoints = _app.Services.GetRequiredService<AgentEndpoints>();
        (HttpUri, GrpcUri) = (endpoints.HttpUri, endpoints.GrpcUri);
        Channel = GrpcChannel.ForAddress(GrpcUri);
        Grpc = new GRPCInferenceService.GRPCInferenceServiceClient(Channel);
    }

    /// <summary>Uplink settings for device-a at <paramref name="brokerUrl"/>, with short reconnect delays.</summary>
    public static Dictionary<string, string?> UplinkSettings(string brokerUrl) => new()
    {
        ["Agent:DeviceId"] = TestHub.DeviceId,
        ["Cloud:DeviceKey"] = TestHub.DeviceKey,
        ["Uplink:BrokerUrl"] = brokerUrl,
        ["Uplink:MinReconnectDelay"] = "00:00:00.100",
        ["Uplink:MaxReconnectDelay"] = "00:00:00.500",
        ["Uplink:IdleCheckInterval"] = "00:00:00.200",
        ["Uplink:ConnectTimeout"] = "00:00:02",
    };

    public async ValueTask DisposeAsync()
    {
        Channel?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

/// <summary>A scratch directory tree for one test.</summary>
internal sealed class Scratch : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("edgeai-cloud-").FullName;

    public string Sub(string name) => Directory.CreateDirectory(Path.Combine(Root, name)).FullName;

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

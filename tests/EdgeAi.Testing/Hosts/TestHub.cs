using System.Globalization;
using EdgeAi.Common.Inference;
using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Security;
using EdgeAi.Serving.Store;
using EdgeAi.Testing.Logging;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.Testing.Hosts;

/// <summary>
/// The real hub (<see cref="HubHost.Build"/>: Kestrel with TLS on its self-signed certificate, the embedded
/// MQTT broker, the SQLite store) in this process on 127.0.0.1, every listener on port 0. Stopped and started
/// again, it comes back on the same ports, as a restarted hub would. Disposing it checks its error log.
/// </summary>
internal sealed class TestHub : ITestHost
{
    public const string DeviceId = "device-a";
    public const string DeviceKey = "device-a-key-0123456789";
    public const string AdminKey = "admin-key-0123456789";

    private readonly Dictionary<string, string?> _settings;
    private WebApplication? _app;

    /// <param name="settings">Hub settings over the test defaults (a null value removes a default, e.g. Hub:AdminKey).</param>
    public TestHub(string dataDirectory, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        DataDirectory = dataDirectory;
        Store = ModelInstall.StoreIn(dataDirectory);
        _settings = HostSettings.Merge(Defaults(dataDirectory), settings);
    }

    public string DataDirectory { get; }

    /// <summary>The hub's serving store (DATA/models): what it answers inference with.</summary>
    public ModelStore Store { get; }

    public Uri Uri { get; private set; } = null!;

    /// <summary>SHA-256 of the hub's certificate, as agents pin it (Cloud:CertificateFingerprint).</summary>
    public string Fingerprint { get; private set; } = null!;

    /// <summary>The embedded MQTT broker's ports; -1 when off (external broker mode).</summary>
    public int MqttPort { get; private set; } = -1;

    public int MqttTlsPort { get; private set; } = -1;

    public string CaPath => Path.Combine(DataDirectory, HubCertificate.PublicCertificateFileName);

    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("the hub is not running");

    public ErrorLog Errors { get; } = new("hub");

    /// <summary>The defaults every test hub starts with: loopback, free ports, a known admin key and device-a's key, CPU, one thread.</summary>
    public static Dictionary<string, string?> Defaults(string dataDirectory) => new(StringComparer.OrdinalIgnoreCase)
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

    /// <summary>Adds settings (later ones win) before the hub starts, for what a test learns only then, such as a broker's port.</summary>
    public void Configure(IEnumerable<KeyValuePair<string, string?>> settings)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("the hub is running: settings apply at its next start");
        }
        foreach (var (key, value) in settings)
        {
            _settings[key] = value;
        }
    }

    /// <summary>Installs a model version into the serving store (before start, or followed by a rescan).</summary>
    public StoredModel Install(string name, byte[] model, string version = "1") => Store.Install(name, model, version);

    /// <summary>As above, from a model file (which the store copies).</summary>
    public StoredModel InstallFile(string path, string name, string version = "1") => Store.Add(path, name, version);

    /// <summary>Starts the hub and waits until its installed models are loaded.</summary>
    public async Task StartAsync()
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("the hub is already running");
        }
        _app = HubHost.Build(HostSettings.Merge(_settings, [ErrorLog.CollectorFilter]));
        Errors.InstallInto(_app.Services);
        await _app.StartAsync();
        await _app.Services.GetRequiredService<ModelLoader>().InitialLoad.WaitAsync(TimeSpan.FromSeconds(60));
        var endpoints = _app.Services.GetRequiredService<HubEndpoints>();
        Uri = endpoints.Uri;
        Fingerprint = HubCertificate.Fingerprint(endpoints.Certificate ?? throw new InvalidOperationException("the hub started without TLS"));
        MqttPort = endpoints.MqttPort;
        MqttTlsPort = endpoints.MqttTlsPort;
        // Come back on the same ports after a stop, as a restarted hub would.
        _settings["Hub:Port"] = Text(Uri.Port);
        if (MqttPort > 0)
        {
            _settings["Hub:Mqtt:Port"] = Text(MqttPort);
        }
        if (MqttTlsPort > 0)
        {
            _settings["Hub:Mqtt:TlsPort"] = Text(MqttTlsPort);
        }
    }

    /// <summary>Stops the hub as a shutdown looks to its clients: the ports close.</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>A gRPC channel of its own (one TLS connection) that trusts exactly this hub's certificate.</summary>
    public GrpcChannel NewChannel() =>
        GrpcChannel.ForAddress(Uri, new GrpcChannelOptions { HttpHandler = HubTrust.PinnedHandler(Fingerprint), DisposeHttpClient = true });

    /// <summary>An inference client on a channel of its own, with the given bearer key (or none) in <c>Headers</c>.</summary>
    public (GrpcChannel Channel, GRPCInferenceService.GRPCInferenceServiceClient Client, Metadata Headers) Client(string? key = DeviceKey)
    {
        var channel = NewChannel();
        return (channel, new GRPCInferenceService.GRPCInferenceServiceClient(channel), BearerHeaders(key));
    }

    /// <summary>The call headers a device sends: its bearer key (none for null).</summary>
    public static Metadata BearerHeaders(string? key)
    {
        var headers = new Metadata();
        if (key is not null)
        {
            headers.Add("authorization", "Bearer " + key);
        }
        return headers;
    }

    /// <summary>The Cloud:* settings of an agent that falls back to this hub as <paramref name="deviceKey"/>'s device.</summary>
    public Dictionary<string, string?> AgentCloudSettings(string deviceKey = DeviceKey) => new(StringComparer.OrdinalIgnoreCase)
    {
        ["Cloud:HubUrl"] = Uri.ToString(),
        ["Cloud:DeviceKey"] = deviceKey,
        ["Cloud:CertificateFingerprint"] = Fingerprint,
    };

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Errors.VerifyNoErrors();
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}

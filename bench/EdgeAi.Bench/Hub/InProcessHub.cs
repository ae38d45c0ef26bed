using System.Globalization;
using System.Security.Cryptography;
using EdgeAi.Hub.Batching;
using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Security;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.Bench.Hub;

/// <summary>
/// The real hub (<see cref="HubHost.Build"/>: Kestrel, TLS with its self-signed certificate, device
/// keys, dynamic batching) in this process on 127.0.0.1, every listener (HTTPS/gRPC, MQTT, MQTT over TLS) on port 0, serving ResNet18 from a given file
/// with the benchmark's threads. Built as the integration tests build theirs (TestHub).
/// </summary>
internal sealed class InProcessHub : IAsyncDisposable
{
    public const string DeviceId = "bench-device";
    public const string DeviceKey = "bench-device-key-0123456789";

    private WebApplication? _app;

    private InProcessHub(WebApplication app, Uri uri, string fingerprint)
    {
        _app = app;
        Uri = uri;
        Fingerprint = fingerprint;
        Metrics = app.Services.GetRequiredService<BatchingMetrics>();
    }

    public Uri Uri { get; }

    /// <summary>SHA-256 of the hub's certificate, as agents pin it (Cloud:CertificateFingerprint).</summary>
    public string Fingerprint { get; }

    public BatchingMetrics Metrics { get; }

    /// <summary>The call headers a device sends: its bearer key.</summary>
    public static Metadata Headers { get; } = new() { { "authorization", "Bearer " + DeviceKey } };

    /// <summary>Starts a hub with ResNet18 (from <paramref name="modelPath"/>) installed in <paramref name="dataDirectory"/>; <paramref name="batching"/> are its Batching:* settings.</summary>
    public static async Task<InProcessHub> StartAsync(
        string dataDirectory, string modelPath, int threads, IReadOnlyDictionary<string, string?> batching, CancellationToken cancellationToken)
    {
        new ModelStore(Path.Combine(dataDirectory, "models"), TimeProvider.System).Add(modelPath, ResNet18.ModelName, "1");
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Hub:DataDirectory"] = dataDirectory,
            ["Hub:ListenAddress"] = "127.0.0.1",
            ["Hub:Port"] = "0",
            // Every listener on a free port: a run starts several hubs, and one still holds its ports while the next starts.
            ["Hub:Mqtt:Port"] = "0",
            ["Hub:Mqtt:TlsPort"] = "0",
            ["Hub:ModelRescanInterval"] = "01:00:00",
            [$"Hub:DeviceKeys:{DeviceId}"] = DeviceKey,
            ["ModelHost:ExecutionProviders:0"] = "CPU",
            ["ModelHost:IntraOpThreads"] = threads.ToString(CultureInfo.InvariantCulture),
            ["ModelHost:InterOpThreads"] = "1",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in batching)
        {
            settings[key] = value;
        }

        var app = HubHost.Build(settings);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            await app.Services.GetRequiredService<ModelLoader>().InitialLoad.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (app.Services.GetRequiredService<ModelHost>().Resolve(ResNet18.ModelName, null) is { State: not ModelState.Ready } instance)
            {
                throw new InvalidOperationException($"the hub could not load ResNet18: {instance.FailureReason}");
            }
            var endpoints = app.Services.GetRequiredService<HubEndpoints>();
            var certificate = endpoints.Certificate ?? throw new InvalidOperationException("the hub started without TLS");
            return new InProcessHub(app, endpoints.Uri, HubCertificate.Fingerprint(certificate));
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The Cloud:* settings of an agent that falls back to this hub.</summary>
    public Dictionary<string, string?> AgentCloudSettings() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["Cloud:HubUrl"] = Uri.ToString(),
        ["Cloud:DeviceKey"] = DeviceKey,
        ["Cloud:CertificateFingerprint"] = Fingerprint,
    };

    /// <summary>A gRPC channel of its own (one TLS connection) that trusts exactly this hub's certificate.</summary>
    public GrpcChannel NewChannel()
    {
        var fingerprint = Fingerprint;
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate is not null && Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData())) == fingerprint;
        return GrpcChannel.ForAddress(Uri, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    /// <summary>Stops the hub as a crash or shutdown would look to its clients: the port closes.</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}

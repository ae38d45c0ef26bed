using System.Globalization;
using EdgeAi.Hub.Batching;
using EdgeAi.Serving.Runtime;
using EdgeAi.Testing;
using EdgeAi.Testing.Hosts;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.Bench.Hub;

/// <summary>
/// The real hub (the test kit's <see cref="TestHub"/>: Kestrel, TLS with its self-signed certificate,
/// device keys, dynamic batching) in this process on 127.0.0.1, every listener (HTTPS/gRPC, MQTT, MQTT
/// over TLS) on port 0, serving ResNet18 from a given file with the benchmark's threads.
/// </summary>
internal sealed class InProcessHub : IAsyncDisposable
{
    public const string DeviceId = "bench-device";
    public const string DeviceKey = "bench-device-key-0123456789";

    private readonly TestHub _hub;

    private InProcessHub(TestHub hub)
    {
        _hub = hub;
        Metrics = hub.Services.GetRequiredService<BatchingMetrics>();
    }

    public Uri Uri => _hub.Uri;

    /// <summary>SHA-256 of the hub's certificate, as agents pin it (Cloud:CertificateFingerprint).</summary>
    public string Fingerprint => _hub.Fingerprint;

    public BatchingMetrics Metrics { get; }

    /// <summary>The call headers a device sends: its bearer key.</summary>
    public static Metadata Headers { get; } = TestHub.BearerHeaders(DeviceKey);

    /// <summary>Starts a hub with ResNet18 (from <paramref name="modelPath"/>) installed in <paramref name="dataDirectory"/>; <paramref name="batching"/> are its Batching:* settings.</summary>
    public static async Task<InProcessHub> StartAsync(
        string dataDirectory, string modelPath, int threads, IReadOnlyDictionary<string, string?> batching, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var hub = new TestHub(dataDirectory, HostSettings.Merge(
            new Dictionary<string, string?>
            {
                [$"Hub:DeviceKeys:{DeviceId}"] = DeviceKey,
                ["ModelHost:IntraOpThreads"] = threads.ToString(CultureInfo.InvariantCulture),
                ["ModelHost:InterOpThreads"] = "1",
            },
            batching));
        hub.InstallFile(modelPath, ResNet18.ModelName);
        try
        {
            await hub.StartAsync().ConfigureAwait(false);
            if (hub.Services.GetRequiredService<ModelHost>().Resolve(ResNet18.ModelName, null) is { State: not ModelState.Ready } instance)
            {
                throw new InvalidOperationException($"the hub could not load ResNet18: {instance.FailureReason}");
            }
            return new InProcessHub(hub);
        }
        catch
        {
            await hub.StopAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The Cloud:* settings of an agent that falls back to this hub.</summary>
    public Dictionary<string, string?> AgentCloudSettings() => _hub.AgentCloudSettings(DeviceKey);

    /// <summary>A gRPC channel of its own (one TLS connection) that trusts exactly this hub's certificate.</summary>
    public GrpcChannel NewChannel() => _hub.NewChannel();

    /// <summary>Stops the hub as a crash or shutdown would look to its clients: the port closes.</summary>
    public Task StopAsync() => _hub.StopAsync();

    /// <summary>Stops the hub; an error it logged that nobody expected fails the run (no numbers are better than wrong ones).</summary>
    public ValueTask DisposeAsync() => _hub.DisposeAsync();
}

using System.Globalization;
using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Ingest;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.Bench.Sync;

/// <summary>
/// The real hub (<see cref="HubHost.Build"/>) in this process for the sync scenarios: no models, the
/// embedded broker on a free plain port (or a client of an external broker), SQLite store in its data
/// directory, and as many device keys as the scenario has devices.
/// </summary>
internal sealed class SyncHub : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SyncHub(WebApplication app)
    {
        _app = app;
        Ingest = app.Services.GetRequiredService<IngestMetrics>();
        MqttPort = app.Services.GetRequiredService<HubEndpoints>().MqttPort;
    }

    public IngestMetrics Ingest { get; }

    public int MqttPort { get; }

    public static string DeviceKey(string deviceId) => deviceId + "-key-0123456789abcdef";

    public static async Task<SyncHub> StartAsync(string dataDirectory, IEnumerable<string> devices, IReadOnlyDictionary<string, string?>? extra, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Hub:DataDirectory"] = dataDirectory,
            ["Hub:ListenAddress"] = "127.0.0.1",
            ["Hub:Port"] = "0",
            ["Hub:Mqtt:Port"] = "0",
            ["Hub:Mqtt:TlsPort"] = "-1",
            ["Hub:ModelRescanInterval"] = "01:00:00",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var device in devices)
        {
            settings[$"Hub:DeviceKeys:{device}"] = DeviceKey(device);
        }
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        var app = HubHost.Build(settings);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return new SyncHub(app);
    }

    /// <summary>Waits until the hub has stored <paramref name="records"/> records in all (polling every 10 ms).</summary>
    public async Task WaitForStoredAsync(long records, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Ingest.RecordsStored < records)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"the hub stored {Ingest.RecordsStored} of {records} records within {timeout.TotalSeconds:0} s"));
            }
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

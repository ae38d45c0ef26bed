using System.Globalization;
using EdgeAi.Hub.Ingest;
using EdgeAi.Testing;
using EdgeAi.Testing.Hosts;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.Bench.Sync;

/// <summary>
/// The real hub (the test kit's <see cref="TestHub"/>) in this process for the sync scenarios: no models, the
/// embedded broker on a free plain port (or a client of an external broker), SQLite store in its data
/// directory, and as many device keys as the scenario has devices.
/// </summary>
internal sealed class SyncHub : IAsyncDisposable
{
    private readonly TestHub _hub;

    private SyncHub(TestHub hub)
    {
        _hub = hub;
        Ingest = hub.Services.GetRequiredService<IngestMetrics>();
    }

    public IngestMetrics Ingest { get; }

    public int MqttPort => _hub.MqttPort;

    public static string DeviceKey(string deviceId) => deviceId + "-key-0123456789abcdef";

    public static async Task<SyncHub> StartAsync(string dataDirectory, IEnumerable<string> devices, IReadOnlyDictionary<string, string?>? extra, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var hub = new TestHub(dataDirectory, HostSettings.Merge(
            new Dictionary<string, string?> { ["Hub:Mqtt:TlsPort"] = "-1" },
            devices.Select(device => KeyValuePair.Create($"Hub:DeviceKeys:{device}", (string?)DeviceKey(device))),
            extra));
        await hub.StartAsync().ConfigureAwait(false);
        return new SyncHub(hub);
    }

    /// <summary>Waits until the hub has stored <paramref name="records"/> records in all (polling every 10 ms).</summary>
    public Task WaitForStoredAsync(long records, TimeSpan timeout, CancellationToken cancellationToken) =>
        Eventually.UntilAsync(
            () => Task.FromResult(Ingest.RecordsStored >= records),
            () => string.Create(CultureInfo.InvariantCulture, $"the hub to store {records} records (it stored {Ingest.RecordsStored})"),
            cancellationToken,
            timeout,
            every: TimeSpan.FromMilliseconds(10));

    public ValueTask DisposeAsync() => _hub.DisposeAsync();
}

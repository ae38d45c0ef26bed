using EdgeAi.Hub.Ingest;
using EdgeAi.Hub.Store;
using EdgeAi.Testing;
using EdgeAi.Testing.Hosts;
using EdgeAi.Testing.Mqtt;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.Bench.Scale;

/// <summary>
/// One hub configuration under test: one or more real hubs (the test kit's <see cref="TestHub"/>, in this
/// process) on SQLite or a fresh PostgreSQL database, with the embedded broker or as clients of one real
/// Mosquitto (a shared subscription splits the ingest between replicas). Devices log in with
/// <see cref="DeviceKey"/>.
/// </summary>
internal sealed class ScaleHubs : IAsyncDisposable
{
    private readonly List<TestHub> _hubs = [];
    private MosquittoBroker? _mosquitto;
    private TestDatabase? _database;

    private ScaleHubs(string name) => Name = name;

    public string Name { get; }

    public IReadOnlyList<TestHub> Hubs => _hubs;

    /// <summary>The MQTT port devices connect to: the embedded broker's, or Mosquitto's.</summary>
    public int MqttPort => _mosquitto?.Port ?? _hubs[0].MqttPort;

    public static string DeviceKey(string deviceId) => deviceId + "-key-0123456789abcdef";

    /// <param name="postgres">Store in a fresh database on the server EDGEAI_TEST_POSTGRES names (else SQLite).</param>
    /// <param name="replicas">Hubs sharing the store; more than one needs Mosquitto.</param>
    public static async Task<ScaleHubs> StartAsync(string root, bool postgres, bool mosquitto, int replicas, IReadOnlyList<string> devices, CancellationToken cancellationToken)
    {
        var name = $"{(postgres ? "PostgreSQL" : "SQLite")}, {(mosquitto ? "Mosquitto" : "embedded broker")}, {replicas} replica{(replicas > 1 ? "s" : "")}";
        var hubs = new ScaleHubs(name);
        try
        {
            var shared = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
            {
                ["Hub:Mqtt:TlsPort"] = "-1",
                ["Hub:Deployments:PollInterval"] = "00:00:00.100",
            };
            if (postgres)
            {
                hubs._database = await TestDatabase.CreateAsync(cancellationToken).ConfigureAwait(false);
                shared = HostSettings.Merge(shared, hubs._database.HubSettings);
            }
            if (mosquitto)
            {
                hubs._mosquitto = new MosquittoBroker(Path.Combine(root, "mosquitto"));
                foreach (var device in devices)
                {
                    hubs._mosquitto.AddDevice(device, DeviceKey(device));
                }
                await hubs._mosquitto.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            for (var i = 0; i < replicas; i++)
            {
                var settings = HostSettings.Merge(shared,
                    devices.Select(device => KeyValuePair.Create($"Hub:DeviceKeys:{device}", (string?)DeviceKey(device))),
                    hubs._mosquitto?.HubSettings($"bench-hub-{i}"));
                var hub = new TestHub(Path.Combine(root, $"hub-{i}"), settings);
                if (postgres)
                {
                    // Known, not yet mended: a hub on PostgreSQL stopped while a transaction is under way sometimes has EF Core
                    // log 20205 (about one run in six here, at shutdown, after the figures are taken). README lists it.
                    hub.Errors.Expect(new Testing.Logging.ExpectedError("Microsoft.EntityFrameworkCore.Database.Transaction", 20205, null));
                }
                hubs._hubs.Add(hub);
                await hub.StartAsync().ConfigureAwait(false);
            }
            return hubs;
        }
        catch
        {
            await hubs.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Records every replica has stored (by its ingest metrics).</summary>
    public long RecordsStored => _hubs.Sum(h => h.Services.GetRequiredService<IngestMetrics>().RecordsStored);

    /// <summary>Rows in the records table: what the store holds, whichever replica wrote it.</summary>
    public async Task<long> RecordRowsAsync(CancellationToken cancellationToken)
    {
        var contexts = _hubs[0].Services.GetRequiredService<IDbContextFactory<HubDbContext>>();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await db.Records.LongCountAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var hub in _hubs)
        {
            await hub.DisposeAsync().ConfigureAwait(false);
        }
        if (_mosquitto is not null)
        {
            await _mosquitto.DisposeAsync().ConfigureAwait(false);
        }
        if (_database is not null)
        {
            await _database.DisposeAsync().ConfigureAwait(false);
        }
    }
}

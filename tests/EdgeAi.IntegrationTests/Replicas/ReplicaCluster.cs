using System.Globalization;
using System.Net.Http.Headers;
using EdgeAi.Hub.Security;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.IntegrationTests.Replicas;

/// <summary>
/// N real hub processes (<c>cloud-hub run</c>) as replicas: one PostgreSQL database, one data directory
/// (artifacts, certificate, keys), one Mosquitto they are clients of (each with its own client id, so a
/// restarted replica resumes its persistent session). Any replica can be SIGKILLed and started again on
/// its port. The store is read straight from the database.
/// </summary>
internal sealed class ReplicaCluster : IAsyncDisposable
{
    private readonly HubProcess?[] _replicas;
    private readonly int[] _ports;
    private readonly Dictionary<string, string> _settings;

    public ReplicaCluster(string dataDirectory, TestDatabase database, MosquittoBroker broker, int replicas, IDictionary<string, string>? settings = null)
    {
        DataDirectory = dataDirectory;
        Database = database;
        _replicas = new HubProcess?[replicas];
        _ports = new int[replicas];
        _settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Hub:AdminKey"] = TestHub.AdminKey,
            ["Hub:Mqtt:ReconnectDelay"] = "00:00:00.200",
            ["Hub:Mqtt:MaxReconnectDelay"] = "00:00:01",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:EdgeAi.Hub.Hosting"] = "Information",
            ["Logging:LogLevel:EdgeAi.Hub.Leadership"] = "Information",
        };
        foreach (var (key, value) in database.HubSettings.Concat(broker.HubSettings()))
        {
            _settings[key] = value!;
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            _settings[key] = value;
        }
    }

    public string DataDirectory { get; }

    public TestDatabase Database { get; }

    public int Count => _replicas.Length;

    public HubProcess this[int replica] => _replicas[replica] ?? throw new InvalidOperationException($"replica {replica} is not running");

    public bool IsRunning(int replica) => _replicas[replica] is { HasExited: false };

    /// <summary>Starts every replica, the first alone (it creates the schema, the certificate and the keys the others share).</summary>
    public async Task StartAllAsync()
    {
        await StartAsync(0);
        await Task.WhenAll(Enumerable.Range(1, Count - 1).Select(StartAsync));
    }

    /// <summary>Starts a replica (again, on the port it had).</summary>
    public async Task StartAsync(int replica)
    {
        var settings = new Dictionary<string, string>(_settings, StringComparer.OrdinalIgnoreCase)
        {
            ["Hub:Mqtt:ClientId"] = string.Create(CultureInfo.InvariantCulture, $"hub-replica-{replica}"),
        };
        var hub = await HubProcess.StartAsync(DataDirectory, settings, _ports[replica], embeddedBroker: false);
        _ports[replica] = hub.Uri.Port;
        _replicas[replica] = hub;
    }

    /// <summary>SIGKILL: no goodbye to the broker, the lease left to expire.</summary>
    public async Task KillAsync(int replica)
    {
        if (_replicas[replica] is { } hub)
        {
            _replicas[replica] = null;
            await hub.KillAsync();
            // Its error log is checked: a crash is not an error of its own.
            await hub.DisposeAsync();
        }
    }

    /// <summary>The replica whose process holds the leader lease now (by its holder name, which carries the process id), or null.</summary>
    public async Task<int?> LeaderAsync(CancellationToken cancellationToken)
    {
        await using var db = NewContext();
        var lease = await db.Leases.AsNoTracking().SingleOrDefaultAsync(l => l.Name == "leader", cancellationToken);
        if (lease is null)
        {
            return null;
        }
        for (var i = 0; i < Count; i++)
        {
            if (_replicas[i] is { HasExited: false } hub && lease.Holder.Contains(string.Create(CultureInfo.InvariantCulture, $"/{hub.Id}/"), StringComparison.Ordinal))
            {
                return i;
            }
        }
        return null;
    }

    /// <summary>An admin client of one replica, trusting the certificate the replicas share.</summary>
    public HttpClient Admin(int replica)
    {
        var admin = new HttpClient(HubTrust.CaHandler(Path.Combine(DataDirectory, HubCertificate.PublicCertificateFileName))) { BaseAddress = this[replica].Uri };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestHub.AdminKey);
        return admin;
    }

    public HubDbContext NewContext() => new PostgresHubDbContext(new DbContextOptionsBuilder().UseNpgsql(Database.ConnectionString).Options);

    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < Count; i++)
        {
            if (_replicas[i] is { } hub)
            {
                _replicas[i] = null;
                await hub.DisposeAsync();
            }
        }
    }
}

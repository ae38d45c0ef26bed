using System.Text.Json;
using EdgeAi.Common.Sync;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using static EdgeAi.IntegrationTests.RolloutTestKit;
using static EdgeAi.Testing.Hosts.AdminApi;

namespace EdgeAi.IntegrationTests.Store;

/// <summary>
/// A hub started on a store the previous release wrote (no migrations) upgrades it in place: InitialCreate
/// adopted, every row kept, the schema then equal to a new store's; and it goes on ingesting and serving
/// admin reads. SQLite from the data directory the release left; PostgreSQL from its pg_dump, restored with psql.
/// </summary>
public sealed class UpgradeTests : IDisposable
{
    private readonly Scratch _scratch = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Start_PreviousReleaseSqliteDataDirectory_AdoptedWithEveryRowThenIngestsAndServes()
    {
        var data = _scratch.Sub("old");
        File.Copy(PreviousRelease.File("hub.db"), Path.Combine(data, "hub.db"));
        await using var hub = new TestHub(data, Settings(PreviousRelease.Devices));

        await hub.StartAsync();

        await PreviousRelease.ShouldHoldEveryRowAsync(hub, Token);
        await IngestsAndServesAsync(hub);
        await hub.StopAsync();
        var fresh = Path.Combine(_scratch.Sub("new"), "hub.db");
        await using (var db = new SqliteHubDbContext(new DbContextOptionsBuilder().UseSqlite($"Data Source={fresh};Pooling=False").Options))
        {
            await db.Database.MigrateAsync(Token);
        }
        (await PreviousRelease.SqliteSchemaAsync(Path.Combine(data, "hub.db"), Token)).ShouldBe(await PreviousRelease.SqliteSchemaAsync(fresh, Token));
    }

    [Fact]
    public async Task Start_PreviousReleasePostgresDump_AdoptedWithEveryRowThenIngestsAndServes()
    {
        if (!TestDatabase.IsAvailable)
        {
            Assert.Skip(TestDatabase.Unavailable);
        }
        await using var old = await TestDatabase.CreateAsync(Token);
        await using var fresh = await TestDatabase.CreateAsync(Token);
        await PreviousRelease.RestoreAsync(old, Token);
        await using var hub = new TestHub(_scratch.Sub("hub"), Settings(PreviousRelease.Devices, old.HubSettings));

        await hub.StartAsync();

        await PreviousRelease.ShouldHoldEveryRowAsync(hub, Token);
        await IngestsAndServesAsync(hub);
        await hub.StopAsync();
        await using (var db = new PostgresHubDbContext(new DbContextOptionsBuilder().UseNpgsql(fresh.ConnectionString).Options))
        {
            await db.Database.MigrateAsync(Token);
        }
        (await PreviousRelease.PostgresSchemaAsync(old.ConnectionString, Token)).ShouldBe(await PreviousRelease.PostgresSchemaAsync(fresh.ConnectionString, Token));
    }

    /// <summary>dev-1 goes on where it left off (epoch 1, seq 6..8); the admin API reads old and new rows alike.</summary>
    private static async Task IngestsAndServesAsync(TestHub hub)
    {
        await using (var db = await hub.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync(Token))
        {
            var applied = (await db.Database.GetAppliedMigrationsAsync(Token)).ToList();
            applied.ShouldBe(db.Database.GetMigrations(), "InitialCreate adopted, any later migration run");
            applied[0].ShouldEndWith("_" + StoreMigrator.InitialCreate);
        }
        using var device = await DeviceMqtt.ConnectDeviceAsync(hub.MqttPort, Token, "dev-1", Key("dev-1"));
        var batch = DeviceMqtt.TelemetryBatch(6, 3);
        batch.Epoch = 1;
        (await device.PublishAsync(DeviceMqtt.Message(SyncTopics.For("dev-1", SyncTopics.Telemetry), batch), Token)).ReasonCode.ShouldBe(MqttClientPublishReasonCode.Success);

        (await HubStore.EpochSequencesAsync(hub, "dev-1", SyncTopics.Telemetry, Token)).Select(r => r.Seq).ShouldBe([1, 2, 3, 4, 5, 6, 7, 8]);
        using var admin = AdminClient(hub);
        var devices = await GetJsonAsync(admin, "/api/devices", Token);
        devices.EnumerateArray().Select(d => d.GetProperty("id").GetString()).Order(StringComparer.Ordinal).ShouldBe(["dev-1", "dev-2", "enrolled-1"]);
        (await GetJsonAsync(admin, "/api/devices/dev-1/telemetry", Token)).GetProperty("count").GetInt32().ShouldBe(8);
        (await GetJsonAsync(admin, "/api/deployments/1", Token)).GetProperty("state").GetString().ShouldBe("completed");
        var models = await GetJsonAsync(admin, "/api/models", Token);
        models.ValueKind.ShouldBe(JsonValueKind.Array);
        models.GetArrayLength().ShouldBe(2);
    }
}

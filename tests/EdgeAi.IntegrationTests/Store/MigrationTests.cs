using System.Diagnostics;
using EdgeAi.Hub.Store;
using Npgsql;
using static EdgeAi.Testing.Hosts.AdminApi;

namespace EdgeAi.IntegrationTests.Store;

/// <summary>
/// Migrations from outside the hub and at its start: <c>cloud-hub db status</c> and <c>db migrate</c> (the real
/// command line) on a new and a previous-release store; a hub with Hub:Store:MigrateOnStart=false refusing a store
/// with pending migrations and starting on a migrated one; two hubs starting together on one new PostgreSQL.
/// </summary>
public sealed class MigrationTests : IDisposable
{
    private readonly Scratch _scratch = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task DbStatus_UnreachablePostgres_SaysWhyInOneLine()
    {
        // Port 1 on loopback: nothing listens there, so the refusal is immediate.
        var result = await CliRunner.HubAsync("db", "status", "--provider", "postgres", "--connection-string", "Host=127.0.0.1;Port=1;Username=nobody;Timeout=5");

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Error.ShouldStartWith("cloud-hub: cannot reach the store: Failed to connect to 127.0.0.1:1");
        result.Error.ShouldNotContain("   at ");
    }

    [Fact]
    public async Task DbStatusAndMigrate_NewDataDirectory_PendingThenAppliedThenUpToDate()
    {
        var data = _scratch.Sub("hub");

        var before = await CliRunner.HubAsync("db", "status", "--data-dir", data);
        File.Exists(Path.Combine(data, "hub.db")).ShouldBeFalse("status reads, it does not create");
        var migrate = await CliRunner.HubAsync("db", "migrate", "--data-dir", data);
        var again = await CliRunner.HubAsync("db", "migrate", "--data-dir", data);
        var after = await CliRunner.HubAsync("db", "status", "--data-dir", data);

        var all = PreviousRelease.SqliteMigrations();
        before.ExitCode.ShouldBe(0, before.ToString());
        Lines(before, "pending  ").ShouldBe(all);
        all[0].ShouldEndWith("_InitialCreate");
        before.Output.ShouldContain($"0 applied, {all.Count} pending: run 'cloud-hub db migrate'");
        migrate.ExitCode.ShouldBe(0, migrate.ToString());
        Lines(migrate, "applied  ").ShouldBe(all);
        migrate.Output.ShouldContain($"done: {all.Count} applied");
        again.Output.ShouldContain("nothing to apply: the store is up to date");
        Lines(after, "applied  ").ShouldBe(all);
        after.Output.ShouldContain($"up to date: {all.Count} applied, none pending");
    }

    [Fact]
    public async Task DbStatusAndMigrate_PreviousReleaseDataDirectory_SaysSoThenAdoptsAndTheHubStartsWithoutMigrating()
    {
        var data = _scratch.Sub("hub");
        File.Copy(PreviousRelease.File("hub.db"), Path.Combine(data, "hub.db"));

        var before = await CliRunner.HubAsync("db", "status", "--data-dir", data);
        var migrate = await CliRunner.HubAsync("db", "migrate", "--data-dir", data);

        var all = PreviousRelease.SqliteMigrations();
        before.ExitCode.ShouldBe(0, before.ToString());
        before.Output.ShouldContain("the store was made by the previous release (no migration history): 'cloud-hub db migrate' adopts it as InitialCreate, keeping its rows");
        Lines(before, "pending  ").ShouldBe(all);
        migrate.ExitCode.ShouldBe(0, migrate.ToString());
        Lines(migrate, "adopted  ").ShouldBe([$"{all[0]} (the previous release's store, rows kept)"]);
        Lines(migrate, "applied  ").ShouldBe(all.Skip(1), "only the migrations after InitialCreate run");
        migrate.Output.ShouldContain($"done: {all.Count - 1} applied");
        await using var hub = new TestHub(data, RolloutTestKit.Settings(PreviousRelease.Devices, new Dictionary<string, string?> { ["Hub:Store:MigrateOnStart"] = "false" }));
        await hub.StartAsync();
        await PreviousRelease.ShouldHoldEveryRowAsync(hub, Token);
    }

    [Fact]
    public async Task Run_MigrateOnStartFalseOnPreviousReleaseStore_ExitsConfigurationErrorNamingPendingMigrationsAndTheCommand()
    {
        var data = _scratch.Sub("hub");
        File.Copy(PreviousRelease.File("hub.db"), Path.Combine(data, "hub.db"));
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "cloud-hub"),
            ["run", "--data-dir", data, "--listen", "127.0.0.1", "--port", "0", "--mqtt-port", "0", "--mqtt-tls-port", "-1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["EDGEAI_Hub__Store__MigrateOnStart"] = "false", ["EDGEAI_ModelHost__ExecutionProviders__0"] = "CPU" },
        };

        using var hub = Process.Start(start)!;
        var output = hub.StandardOutput.ReadToEndAsync(Token);
        var error = hub.StandardError.ReadToEndAsync(Token);
        await hub.WaitForExitAsync(Token).WaitAsync(TimeSpan.FromSeconds(60), Token);

        hub.ExitCode.ShouldBe(78, $"{await output}{await error}"); // EX_CONFIG: systemd does not restart it
        var line = (await error).Split('\n').Where(l => l.StartsWith("cloud-hub: invalid configuration: ", StringComparison.Ordinal)).ShouldHaveSingleItem($"{await output}{await error}");
        var all = PreviousRelease.SqliteMigrations();
        line.ShouldContain($"the store has pending migrations: {string.Join(", ", all)}; Hub:Store:MigrateOnStart is false " +
            "(the previous release made this store: InitialCreate adopts it, keeping its rows); apply them with 'cloud-hub db migrate'");
        (await CliRunner.HubAsync("db", "status", "--data-dir", data)).Output.ShouldContain($"0 applied, {all.Count} pending", customMessage: "nothing was changed");
    }

    [Fact]
    public async Task DbStatus_BadProvider_InvalidConfigurationExitTwo()
    {
        var result = await CliRunner.HubAsync("db", "status", "--data-dir", _scratch.Sub("hub"), "--provider", "oracle");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldStartWith("cloud-hub: invalid configuration: ");
        result.Error.ShouldContain("Provider 'oracle' is not supported; use 'sqlite' or 'postgres'.");
    }

    [Fact]
    public async Task Start_TwoHubsOnOneNewPostgres_SecondWaitsForTheLockThenFindsNothingPending()
    {
        if (!TestDatabase.IsAvailable)
        {
            Assert.Skip(TestDatabase.Unavailable);
        }
        await using var database = await TestDatabase.CreateAsync(Token);
        await using var a = new TestHub(_scratch.Sub("a"), database.HubSettings);
        await using var b = new TestHub(_scratch.Sub("b"), database.HubSettings);
        await using var holder = new NpgsqlConnection(database.ConnectionString);
        await holder.OpenAsync(Token);
        // Held here so both hubs are certainly at the lock together, whatever the scheduler does.
        await ScalarAsync(holder, $"SELECT pg_advisory_lock({StoreMigrator.PostgresLockKey})");

        foreach (var hub in new[] { a, b })
        {
            // Both run the rollout controller, which assumes it is alone (its lease comes with replicas): the
            // loser of the race to insert the controller's cursor row logs it and retries on its next tick.
            hub.ExpectErrors("Microsoft.EntityFrameworkCore.Database.Command", 20102, "INSERT INTO hub_cursors");
            hub.ExpectErrors("Microsoft.EntityFrameworkCore.Update", 10000, "PK_hub_cursors");
            hub.ExpectErrors("EdgeAi.Hub.Deployments.DeploymentController", 3554);
        }
        var startA = a.StartAsync();
        var startB = b.StartAsync();
        await Eventually.UntilAsync(async () => Convert.ToInt64(await ScalarAsync(holder,
            "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"),
            System.Globalization.CultureInfo.InvariantCulture) == 2, () => "both hubs to wait for the migration lock", Token);
        startA.IsCompleted.ShouldBeFalse("a hub starts only on a migrated store");
        startB.IsCompleted.ShouldBeFalse();
        await ScalarAsync(holder, $"SELECT pg_advisory_unlock({StoreMigrator.PostgresLockKey})");
        await Task.WhenAll(startA, startB);

        // The history's columns are snake case too: EFCore.NamingConventions names them as it names the hub's.
        var history = await ScalarAsync(holder, "SELECT string_agg(migration_id, ',') FROM \"__EFMigrationsHistory\"");
        ((string)history!).Split(',').Order(StringComparer.Ordinal).ToList().ShouldBe(PreviousRelease.PostgresMigrations(), customMessage: "each migration applied once");
        foreach (var hub in new[] { a, b })
        {
            using var admin = AdminClient(hub);
            (await GetJsonAsync(admin, "/api/devices", Token)).GetArrayLength().ShouldBe(0);
        }
        var status = await CliRunner.HubAsync("db", "status", "--provider", "postgres", "--connection-string", database.ConnectionString);
        status.Output.ShouldContain($"up to date: {PreviousRelease.PostgresMigrations().Count} applied, none pending", customMessage: status.ToString());
    }

    /// <summary>What follows <paramref name="prefix"/> on each output line that starts with it, in order.</summary>
    private static List<string> Lines(CliResult result, string prefix) =>
        [.. result.Output.Split('\n').Select(l => l.TrimEnd()).Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).Select(l => l[prefix.Length..])];

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(Token);
    }
}

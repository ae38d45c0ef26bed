using System.Diagnostics;
using EdgeAi.Common.Sync;
using EdgeAi.Hub.Store;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EdgeAi.IntegrationTests.Store;

/// <summary>
/// The stores the previous release wrote (Store/PreviousRelease, see ORIGIN.txt there): where they are,
/// how to restore the PostgreSQL dump, what they hold, and each engine's schema as a comparable listing.
/// </summary>
internal static class PreviousRelease
{
    public static readonly string[] Devices = ["dev-1", "dev-2"];

    /// <summary>Rows per table in both fixtures.</summary>
    public static readonly IReadOnlyDictionary<string, long> Counts = new Dictionary<string, long>
    {
        ["devices"] = 3, ["records"] = 14, ["audit"] = 9, ["enrollment_tokens"] = 2, ["models"] = 2, ["model_variants"] = 1,
        ["deployments"] = 1, ["deployment_targets"] = 2, ["device_desired_models"] = 2, ["hub_cursors"] = 1, ["deployment_variants"] = 0,
    };

    /// <summary>Every migration of each provider, InitialCreate first (the two sets' ids differ).</summary>
    public static List<string> SqliteMigrations()
    {
        using var db = new SqliteHubDbContext(new DbContextOptionsBuilder().UseSqlite("Data Source=:memory:").Options);
        return [.. db.Database.GetMigrations()];
    }

    public static List<string> PostgresMigrations()
    {
        using var db = new PostgresHubDbContext(new DbContextOptionsBuilder().UseNpgsql("Host=localhost").Options);
        return [.. db.Database.GetMigrations()];
    }

    public static string File(string name) => Path.Combine(AppContext.BaseDirectory, "Store", "PreviousRelease", name);

    /// <summary>Restores postgres.sql into <paramref name="database"/> with psql, as an operator would.</summary>
    public static async Task RestoreAsync(TestDatabase database, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        var start = new ProcessStartInfo("psql")
        {
            ArgumentList = { "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", connection.Host!, "-p", connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-U", connection.Username!, "-d", database.Name, "-f", File("postgres.sql") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (connection.Password is { } password)
        {
            start.Environment["PGPASSWORD"] = password;
        }
        using var psql = Process.Start(start)!;
        var output = psql.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = psql.StandardError.ReadToEndAsync(cancellationToken);
        await psql.WaitForExitAsync(cancellationToken);
        psql.ExitCode.ShouldBe(0, $"psql restoring postgres.sql: {await error}{await output}");
    }

    /// <summary>Asserts every fixture row is still there (counts and samples), through the hub's own store.</summary>
    public static async Task ShouldHoldEveryRowAsync(TestHub hub, CancellationToken cancellationToken)
    {
        await using var db = await hub.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync(cancellationToken);
        var counts = new Dictionary<string, long>
        {
            ["devices"] = await db.Devices.LongCountAsync(cancellationToken),
            ["records"] = await db.Records.LongCountAsync(cancellationToken),
            ["audit"] = await db.Audit.LongCountAsync(cancellationToken),
            ["enrollment_tokens"] = await db.EnrollmentTokens.LongCountAsync(cancellationToken),
            ["models"] = await db.Models.LongCountAsync(cancellationToken),
            ["model_variants"] = await db.ModelVariants.LongCountAsync(cancellationToken),
            ["deployments"] = await db.Deployments.LongCountAsync(cancellationToken),
            ["deployment_targets"] = await db.DeploymentTargets.LongCountAsync(cancellationToken),
            ["device_desired_models"] = await db.DesiredModels.LongCountAsync(cancellationToken),
            ["hub_cursors"] = await db.Cursors.LongCountAsync(cancellationToken),
            ["deployment_variants"] = await db.DeploymentVariants.LongCountAsync(cancellationToken),
        };
        counts.ShouldBe(Counts, ignoreOrder: true);
        (await db.Devices.SingleAsync(d => d.Id == "dev-1", cancellationToken)).Tags.ShouldBe("""{"site":"lobby","floor":"1"}""");
        var enrolled = await db.Devices.SingleAsync(d => d.Id == "enrolled-1", cancellationToken);
        enrolled.Tags.ShouldBe("""{"site":"north"}""");
        enrolled.KeyHash.ShouldNotBeNullOrEmpty();
        (await db.EnrollmentTokens.Select(t => t.Tags).OrderBy(t => t).ToListAsync(cancellationToken)).ShouldBe(["""{"site":"north"}""", """{"site":"south"}"""]);
        (await db.Records.CountAsync(r => r.DeviceId == "dev-2" && r.Stream == SyncTopics.Telemetry && r.Epoch == 1, cancellationToken)).ShouldBe(5);
        (await db.ModelVariants.SingleAsync(cancellationToken)).Variant.ShouldBe("int8");
        (await db.Deployments.SingleAsync(cancellationToken)).State.ShouldBe("completed");
        (await db.Audit.AnyAsync(a => a.Action == "model.push" && a.Target == "mm/1", cancellationToken)).ShouldBeTrue();
    }

    /// <summary>SQLite's schema: every table's and index's SQL, EF Core's lock table aside (it comes and goes with a migration run).</summary>
    public static async Task<List<string>> SqliteSchemaAsync(string path, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync(cancellationToken);
        return await ListAsync(connection,
            "SELECT type || ' ' || name || ' ' || tbl_name || ' ' || COALESCE(sql, '') FROM sqlite_master WHERE name NOT LIKE '\\_\\_EFMigrationsLock%' ESCAPE '\\' ORDER BY name",
            cancellationToken);
    }

    /// <summary>PostgreSQL's schema: columns with their types, constraints by name, indexes by definition.</summary>
    public static async Task<List<string>> PostgresSchemaAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var columns = await ListAsync(connection,
            "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || COALESCE(character_maximum_length::text, '-') || ' ' || is_nullable || ' ' || is_identity " +
            "FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE '\\_\\_EFMigrationsLock%' ORDER BY table_name, column_name", cancellationToken);
        var constraints = await ListAsync(connection,
            "SELECT table_name || ' ' || constraint_name || ' ' || constraint_type FROM information_schema.table_constraints " +
            "WHERE table_schema = 'public' AND constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY') ORDER BY table_name, constraint_name", cancellationToken);
        var indexes = await ListAsync(connection,
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename NOT LIKE '\\_\\_EFMigrationsLock%' ORDER BY indexname", cancellationToken);
        return [.. columns, .. constraints, .. indexes];
    }

    private static async Task<List<string>> ListAsync(System.Data.Common.DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(reader.GetString(0));
        }
        return rows;
    }
}

using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Registry;
using EdgeAi.Hub.Store;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Tests.Store;

/// <summary>
/// The store's migrations on a SQLite file: a new store gets InitialCreate; one made before migrations
/// (even before variants: every table but model_variants and deployment_variants) is adopted, keeps its
/// rows and takes variants; a second run finds nothing to do; a hub told not to migrate refuses.
/// </summary>
public sealed class StoreMigratorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeai-migrate-").FullName;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Every SQLite migration, InitialCreate first.</summary>
    private static List<string> All
    {
        get
        {
            using var db = new SqliteHubDbContext(new DbContextOptionsBuilder().UseSqlite("Data Source=:memory:").Options);
            return [.. db.Database.GetMigrations()];
        }
    }

    private string ConnectionString => $"Data Source={Path.Combine(_dir, "hub.db")};Pooling=False";

    [Fact]
    public async Task Migrate_NewStore_AppliesInitialCreateThenNothing()
    {
        var migrator = Migrator();

        var first = await migrator.MigrateAsync(Token);
        var second = await migrator.MigrateAsync(Token);

        first.Adopted.ShouldBeNull();
        first.Applied.ShouldBe(All);
        first.Applied[0].ShouldEndWith("_InitialCreate");
        second.Applied.ShouldBeEmpty();
        var status = await migrator.StatusAsync(Token);
        status.Applied.ShouldBe(first.Applied);
        status.Pending.ShouldBeEmpty();
        status.PreviousRelease.ShouldBeFalse();
    }

    [Fact]
    public async Task Migrate_StoreMadeBeforeVariantsAndMigrations_AdoptedWithRowsAndTakesVariants()
    {
        var factory = new Factory(ConnectionString);
        await using (var old = factory.CreateDbContext())
        {
            // The schema as it was: InitialCreate's tables (not those of later migrations) without the two variants added, and no history.
            var script = old.GetService<IMigrator>().GenerateScript(toMigration: All[0]);
            var statements = script.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(s => s.StartsWith("CREATE", StringComparison.Ordinal) && !s.Contains("__EFMigrations", StringComparison.Ordinal))
                .Where(s => !s.Contains("\"model_variants\"", StringComparison.Ordinal) && !s.Contains("\"deployment_variants\"", StringComparison.Ordinal));
            await old.Database.OpenConnectionAsync(Token);
            foreach (var statement in statements)
            {
                await old.Database.ExecuteSqlRawAsync(statement, Token);
            }
            old.Models.Add(new ModelRow { Name = "m", Version = "1", Sha256 = new string('a', 64), Signature = new byte[64], Inputs = "[]", Outputs = "[]", CreatedBy = "admin" });
            await old.SaveChangesAsync(Token);
        }
        var migrator = Migrator();
        var before = await migrator.StatusAsync(Token);

        var adopted = await migrator.MigrateAsync(Token);
        var again = await migrator.MigrateAsync(Token);

        before.PreviousRelease.ShouldBeTrue();
        before.Applied.ShouldBeEmpty();
        adopted.Adopted.ShouldNotBeNull().ShouldEndWith("_InitialCreate");
        adopted.Applied.ShouldBe(All.Skip(1), "InitialCreate is recorded, not run; only later migrations run");
        again.Adopted.ShouldBeNull();
        again.Applied.ShouldBeEmpty();
        adopted.Adopted.ShouldBe(All[0]);
        (await migrator.StatusAsync(Token)).Applied.ShouldBe(All);
        (await TablesAsync()).ShouldContain("model_variants");
        (await TablesAsync()).ShouldContain("deployment_variants");
        await using var db = factory.CreateDbContext();
        db.ModelVariants.Add(new ModelVariantRow { Name = "m", Version = "1", Variant = "int8", Sha256 = new string('b', 64), Signature = new byte[64], CreatedBy = "admin", Report = "{}" });
        db.DeploymentVariants.Add(new EdgeAi.Hub.Deployments.DeploymentVariantRow { DeploymentId = 7, Variant = "fp32" });
        await db.SaveChangesAsync(Token);
        (await db.Models.SingleAsync(Token)).Sha256.ShouldBe(new string('a', 64));
        (await db.ModelVariants.SingleAsync(Token)).Report.ShouldBe("{}");
        (await db.DeploymentVariants.SingleAsync(Token)).Variant.ShouldBe("fp32");
    }

    [Fact]
    public async Task Start_MigrateOnStartFalseWithPendingMigrations_RefusesNamingThemAndTheCommand()
    {
        var options = new StoreOptions { ConnectionString = ConnectionString, MigrateOnStart = false };
        var initializer = new StoreInitializer(Migrator(options), Options.Create(options));

        var refused = await Should.ThrowAsync<OptionsValidationException>(() => initializer.StartAsync(Token));

        var message = refused.Failures.ShouldHaveSingleItem();
        message.ShouldContain($"the store has pending migrations: {string.Join(", ", All)}; Hub:Store:MigrateOnStart is false; apply them with 'cloud-hub db migrate'");
        File.Exists(Path.Combine(_dir, "hub.db")).ShouldBeFalse("a hub that must not migrate creates nothing");
    }

    [Fact]
    public async Task Start_MigrateOnStartFalseOnACurrentStore_Starts()
    {
        await Migrator().MigrateAsync(Token);
        var options = new StoreOptions { ConnectionString = ConnectionString, MigrateOnStart = false };

        await new StoreInitializer(Migrator(options), Options.Create(options)).StartAsync(Token);
    }

    private StoreMigrator Migrator(StoreOptions? options = null) =>
        new(new Factory(ConnectionString), Options.Create(options ?? new StoreOptions { ConnectionString = ConnectionString }),
            Options.Create(new HubOptions { DataDirectory = _dir }), NullLogger<StoreMigrator>.Instance);

    private async Task<List<string>> TablesAsync()
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(Token);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Token);
        while (await reader.ReadAsync(Token))
        {
            tables.Add(reader.GetString(0));
        }
        return tables;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class Factory(string connectionString) : IDbContextFactory<HubDbContext>
    {
        public HubDbContext CreateDbContext() => new SqliteHubDbContext(new DbContextOptionsBuilder().UseSqlite(connectionString).Options);
    }
}

using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Registry;
using EdgeAi.Hub.Store;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Tests.Store;

/// <summary>
/// A data directory made before variants (its hub.db has every table but model_variants and
/// deployment_variants) gets the new tables when the hub starts, keeps its rows, and takes variants.
/// </summary>
public sealed class SchemaUpgradeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeai-upgrade-").FullName;

    [Fact]
    public async Task EnsureCreated_StoreMadeBeforeVariants_AddsVariantTablesAndKeepsRows()
    {
        var factory = new Factory($"Data Source={Path.Combine(_dir, "hub.db")};Pooling=False");
        await using (var old = factory.CreateDbContext())
        {
            // The schema as it was: EnsureCreated's script without the two tables variants added.
            var script = old.Database.GenerateCreateScript();
            var statements = script.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(s => !s.Contains("\"model_variants\"", StringComparison.Ordinal) && !s.Contains("\"deployment_variants\"", StringComparison.Ordinal));
            await old.Database.OpenConnectionAsync(TestContext.Current.CancellationToken);
            foreach (var statement in statements)
            {
                await old.Database.ExecuteSqlRawAsync(statement, TestContext.Current.CancellationToken);
            }
            old.Models.Add(new ModelRow { Name = "m", Version = "1", Sha256 = new string('a', 64), Signature = new byte[64], Inputs = "[]", Outputs = "[]", CreatedBy = "admin" });
            await old.SaveChangesAsync(TestContext.Current.CancellationToken);
        }
        (await TablesAsync()).ShouldNotContain("model_variants");

        var initializer = new StoreInitializer(factory, Options.Create(new StoreOptions()), Options.Create(new HubOptions { DataDirectory = _dir }));
        await initializer.StartAsync(TestContext.Current.CancellationToken);
        // A second start (the next hub start) finds the tables there: the upgrade is idempotent.
        await new StoreInitializer(factory, Options.Create(new StoreOptions()), Options.Create(new HubOptions { DataDirectory = _dir }))
            .StartAsync(TestContext.Current.CancellationToken);

        (await TablesAsync()).ShouldContain("model_variants");
        (await TablesAsync()).ShouldContain("deployment_variants");
        await using var db = factory.CreateDbContext();
        db.ModelVariants.Add(new ModelVariantRow { Name = "m", Version = "1", Variant = "int8", Sha256 = new string('b', 64), Signature = new byte[64], CreatedBy = "admin", Report = "{}" });
        db.DeploymentVariants.Add(new EdgeAi.Hub.Deployments.DeploymentVariantRow { DeploymentId = 7, Variant = "fp32" });
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        (await db.Models.SingleAsync(TestContext.Current.CancellationToken)).Sha256.ShouldBe(new string('a', 64));
        (await db.ModelVariants.SingleAsync(TestContext.Current.CancellationToken)).Report.ShouldBe("{}");
        (await db.DeploymentVariants.SingleAsync(TestContext.Current.CancellationToken)).Variant.ShouldBe("fp32");
    }

    private async Task<List<string>> TablesAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(_dir, "hub.db")};Pooling=False");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            tables.Add(reader.GetString(0));
        }
        return tables;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class Factory(string connectionString) : IDbContextFactory<HubDbContext>
    {
        public HubDbContext CreateDbContext() => new(new DbContextOptionsBuilder<HubDbContext>().UseSqlite(connectionString).Options);
    }
}

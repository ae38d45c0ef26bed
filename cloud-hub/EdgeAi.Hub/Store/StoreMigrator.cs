using System.Data.Common;
using EdgeAi.Hub.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EdgeAi.Hub.Store;

/// <summary>Which migrations a store has and lacks; <see cref="PreviousRelease"/>: made before migrations, so InitialCreate will be adopted, not run.</summary>
internal sealed record StoreMigrationStatus(IReadOnlyList<string> Applied, IReadOnlyList<string> Pending, bool PreviousRelease);

/// <summary>What one migration run did: the previous release's store adopted as <see cref="Adopted"/> (or null), then <see cref="Applied"/> run.</summary>
internal sealed record StoreMigrationResult(string? Adopted, IReadOnlyList<string> Applied);

/// <summary>
/// Brings the store to the current schema with the provider's EF Core migrations, for the hub's start
/// and <c>cloud-hub db migrate</c> alike. A store the previous release made (tables, no
/// __EFMigrationsHistory) is adopted first: <see cref="PreviousReleaseSchema"/> completes it to the
/// InitialCreate schema and InitialCreate is recorded as applied, so the rows stay and only later
/// migrations run. On PostgreSQL it all happens under a session advisory lock, so replicas starting
/// together take turns: the second waits, then finds nothing pending (the adoption check included,
/// which EF Core's own migration lock would not cover).
/// </summary>
internal sealed class StoreMigrator(IDbContextFactory<HubDbContext> contexts, IOptions<StoreOptions> store, IOptions<HubOptions> hub, ILogger<StoreMigrator> logger)
{
    /// <summary>The pg_advisory_lock key every hub takes to migrate: any constant, the same for all ("EdgeAiMg").</summary>
    public const long PostgresLockKey = 0x45646765_41694D67;

    /// <summary>The first migration, which a previous-release store is adopted as.</summary>
    public const string InitialCreate = "InitialCreate";

    // EF Core's default history table name (HistoryRepository.DefaultTableName), which this store keeps.
    private const string HistoryTable = "__EFMigrationsHistory";

    private bool IsSqlite => store.Value.IsSqlite;

    private string Provider => IsSqlite ? StoreOptions.Sqlite : StoreOptions.Postgres;

    public async Task<StoreMigrationStatus> StatusAsync(CancellationToken cancellationToken)
    {
        var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (context.ConfigureAwait(false))
        {
            var all = context.Database.GetMigrations().ToList();
            // A store that does not exist yet (no SQLite file, no database) has everything pending; asking would create it.
            if (!await context.GetService<IRelationalDatabaseCreator>().ExistsAsync(cancellationToken).ConfigureAwait(false))
            {
                return new StoreMigrationStatus([], all, PreviousRelease: false);
            }
            var (history, tables) = await ShapeAsync(context, cancellationToken).ConfigureAwait(false);
            var applied = await AppliedAsync(context, history, cancellationToken).ConfigureAwait(false);
            return new StoreMigrationStatus(applied, [.. all.Except(applied, StringComparer.Ordinal)], !history && tables);
        }
    }

    public async Task<StoreMigrationResult> MigrateAsync(CancellationToken cancellationToken)
    {
        if (IsSqlite && string.IsNullOrWhiteSpace(store.Value.ConnectionString))
        {
            Directory.CreateDirectory(hub.Value.DataDirectory);
        }
        var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (context.ConfigureAwait(false))
        {
            if (!IsSqlite)
            {
                await CreateDatabaseAsync(context, cancellationToken).ConfigureAwait(false);
            }
            // Opened here and held: the advisory lock belongs to this session, and EF Core runs the migrations on it.
            await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (IsSqlite)
                {
                    // Persistent in the file, set before the tables so every later connection reads beside ingest commits.
                    await context.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
                    return await MigrateOpenAsync(context, cancellationToken).ConfigureAwait(false);
                }
                await LockAsync(context, cancellationToken).ConfigureAwait(false);
                try
                {
                    return await MigrateOpenAsync(context, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    await ScalarAsync(context, $"SELECT pg_advisory_unlock({PostgresLockKey})", CancellationToken.None).ConfigureAwait(false);
                }
            }
            finally
            {
                await context.Database.CloseConnectionAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The message of a hub that must not migrate and finds migrations pending.</summary>
    public static string PendingRefusal(StoreMigrationStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var adopted = status.PreviousRelease ? $" (the previous release made this store: {InitialCreate} adopts it, keeping its rows)" : "";
        return $"the store has pending migrations: {string.Join(", ", status.Pending)}; Hub:Store:MigrateOnStart is false{adopted}; " +
            "apply them with 'cloud-hub db migrate' (same configuration), or set Hub:Store:MigrateOnStart to true";
    }

    private async Task<StoreMigrationResult> MigrateOpenAsync(HubDbContext context, CancellationToken cancellationToken)
    {
        var adopted = await AdoptPreviousReleaseAsync(context, cancellationToken).ConfigureAwait(false);
        var (history, _) = await ShapeAsync(context, cancellationToken).ConfigureAwait(false);
        if (!history)
        {
            // Made here, before EF Core looks: its PostgreSQL provider would first run a query that fails and logs an error on a new store.
            await context.Database.ExecuteSqlRawAsync(context.GetService<IHistoryRepository>().GetCreateIfNotExistsScript(), cancellationToken).ConfigureAwait(false);
        }
        var applied = await AppliedAsync(context, history, cancellationToken).ConfigureAwait(false);
        var pending = context.Database.GetMigrations().Except(applied, StringComparer.Ordinal).ToList();
        if (pending.Count > 0)
        {
            StoreLog.Applying(logger, Provider, pending.Count, string.Join(", ", pending));
            await context.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
            StoreLog.Applied(logger, Provider, string.Join(", ", pending));
        }
        return new StoreMigrationResult(adopted, pending);
    }

    private async Task<string?> AdoptPreviousReleaseAsync(HubDbContext context, CancellationToken cancellationToken)
    {
        var (hasHistory, tables) = await ShapeAsync(context, cancellationToken).ConfigureAwait(false);
        if (hasHistory || !tables)
        {
            return null;
        }
        var initial = context.Database.GetMigrations().First();
        if (!initial.EndsWith("_" + InitialCreate, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the first migration is '{initial}', not {InitialCreate}: a previous-release store cannot be adopted");
        }
        var history = context.GetService<IHistoryRepository>();
        // One transaction: a crash leaves either the old store (adopted again next time) or an adopted one.
        var transaction = await context.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            await PreviousReleaseSchema.ApplyAsync(context, IsSqlite, cancellationToken).ConfigureAwait(false);
            await context.Database.ExecuteSqlRawAsync(history.GetCreateIfNotExistsScript(), cancellationToken).ConfigureAwait(false);
            await context.Database.ExecuteSqlRawAsync(history.GetInsertScript(new HistoryRow(initial, ProductInfo.GetVersion())), cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        StoreLog.Adopted(logger, Provider, initial);
        return initial;
    }

    /// <summary>
    /// Whether the migration history and the hub's tables exist, from the catalog. Tables without history:
    /// what the previous release (EnsureCreated) left. Asked of the catalog rather than of EF Core, whose
    /// PostgreSQL provider finds out by running a query that fails (and logs an error) on a new store.
    /// </summary>
    private async Task<(bool History, bool Tables)> ShapeAsync(HubDbContext context, CancellationToken cancellationToken)
    {
        var count = IsSqlite
            ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{0}'"
            : "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '{0}'";
        return (await CountAsync(HistoryTable) > 0, await CountAsync("devices") > 0);

        async Task<long> CountAsync(string table) =>
            Convert.ToInt64(await ScalarAsync(context, string.Format(System.Globalization.CultureInfo.InvariantCulture, count, table), cancellationToken).ConfigureAwait(false),
                System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<List<string>> AppliedAsync(HubDbContext context, bool history, CancellationToken cancellationToken) =>
        history ? [.. await context.Database.GetAppliedMigrationsAsync(cancellationToken).ConfigureAwait(false)] : [];

    private async Task LockAsync(HubDbContext context, CancellationToken cancellationToken)
    {
        if (await ScalarAsync(context, $"SELECT pg_try_advisory_lock({PostgresLockKey})", cancellationToken).ConfigureAwait(false) is true)
        {
            return;
        }
        StoreLog.WaitingForMigrationLock(logger);
        await ScalarAsync(context, $"SELECT pg_advisory_lock({PostgresLockKey})", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates the PostgreSQL database when it is missing; a replica that loses that race finds it made.</summary>
    private static async Task CreateDatabaseAsync(HubDbContext context, CancellationToken cancellationToken)
    {
        var creator = context.GetService<IRelationalDatabaseCreator>();
        if (await creator.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }
        try
        {
            await creator.CreateAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Another replica made it first.
        }
    }

    private static async Task<object?> ScalarAsync(HubDbContext context, string sql, CancellationToken cancellationToken)
    {
        var connection = context.Database.GetDbConnection();
        var opened = connection.State != System.Data.ConnectionState.Open;
        if (opened)
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        try
        {
            DbCommand command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = sql;
                command.Transaction = context.Database.CurrentTransaction?.GetDbTransaction();
                return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (opened)
            {
                await connection.CloseAsync().ConfigureAwait(false);
            }
        }
    }
}

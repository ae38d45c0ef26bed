using System.Data;
using System.Data.Common;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace EdgeAi.Hub.Leadership;

/// <summary>
/// The leader lease as one row of the leases table. Every decision is one statement the database
/// judges against its own clock (PostgreSQL's <c>clock_timestamp()</c>; <see cref="TimeProvider"/> on
/// SQLite, whose engine has no clock worth trusting here), so replicas never compare their clocks.
/// <c>clock_timestamp()</c> rather than <c>now()</c>: <c>now()</c> is the transaction's start, and a
/// fence checked late in a long transaction must be judged at the moment it runs.
/// </summary>
internal sealed class SqlLeaseStore(IDbContextFactory<HubDbContext> store, bool postgres, TimeProvider time) : ILeaseStore
{
    public const string LeaderLease = "leader";

    // "EdgeAi01" in ASCII: the key of PostgreSQL's advisory lock that serializes desired-state changes across replicas.
    private const long ChangeLockKey = 0x4564676541693031;

    public bool IsShared => postgres;

    private string Now => postgres ? "(extract(epoch from clock_timestamp()) * 1000)::bigint" : "@now";

    public async Task<long?> TryAcquireAsync(string holder, TimeSpan duration, CancellationToken cancellationToken)
    {
        // Free (no row yet) or lapsed: the epoch rises, so every write of the previous holder is refused from now on.
        var sql = $"""
            INSERT INTO leases (name, holder, epoch, expires_at_ms) VALUES (@name, @holder, 1, {Now} + @ttl)
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, epoch = leases.epoch + 1, expires_at_ms = excluded.expires_at_ms
            WHERE leases.expires_at_ms <= {Now}
            RETURNING epoch
            """;
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            await using var command = await CommandAsync(db, sql, cancellationToken, ("@name", LeaderLease), ("@holder", holder), ("@ttl", Ms(duration))).ConfigureAwait(false);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is { } epoch and not DBNull
                ? Convert.ToInt64(epoch, System.Globalization.CultureInfo.InvariantCulture)
                : null;
        }
    }

    public async Task<bool> TryRenewAsync(string holder, long epoch, TimeSpan duration, CancellationToken cancellationToken)
    {
        var sql = $"UPDATE leases SET expires_at_ms = {Now} + @ttl WHERE name = @name AND holder = @holder AND epoch = @epoch AND expires_at_ms > {Now}";
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            await using var command = await CommandAsync(db, sql, cancellationToken, ("@name", LeaderLease), ("@holder", holder), ("@epoch", epoch), ("@ttl", Ms(duration))).ConfigureAwait(false);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }
    }

    public async Task ReleaseAsync(string holder, long epoch, CancellationToken cancellationToken)
    {
        const string sql = "UPDATE leases SET expires_at_ms = 0 WHERE name = @name AND holder = @holder AND epoch = @epoch";
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            await using var command = await CommandAsync(db, sql, cancellationToken, ("@name", LeaderLease), ("@holder", holder), ("@epoch", epoch)).ConfigureAwait(false);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<bool> FenceAsync(HubDbContext db, LeaderTerm term, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(term);
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("a fence is checked inside the transaction of the writes it guards");
        }
        // An update that changes nothing, for its row lock: a takeover (an update of the same row) waits until the caller commits.
        var sql = $"UPDATE leases SET expires_at_ms = expires_at_ms WHERE name = @name AND holder = @holder AND epoch = @epoch AND expires_at_ms > {Now}";
        await using var command = await CommandAsync(db, sql, cancellationToken, ("@name", LeaderLease), ("@holder", term.Holder), ("@epoch", term.Epoch)).ConfigureAwait(false);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task LockChangesAsync(HubDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (!postgres)
        {
            return;
        }
        // A session lock (not a transaction one): it also covers publishing after the commit, so desired states go out in revision order.
        await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_lock({ChangeLockKey})", cancellationToken).ConfigureAwait(false);
    }

    public async Task UnlockChangesAsync(HubDbContext db)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (postgres)
        {
            // Should this fail, the lock goes with the session: Npgsql resets a pooled connection (DISCARD ALL) or it is closed.
            await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_unlock({ChangeLockKey})").ConfigureAwait(false);
        }
    }

    private async Task<DbCommand> CommandAsync(HubDbContext db, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        var connection = db.Database.GetDbConnection();
        if (connection.State != ConnectionState.Open)
        {
            await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        foreach (var (name, value) in parameters.Append(("@now", time.GetUtcNow().ToUnixTimeMilliseconds())))
        {
            if (name == "@now" && postgres)
            {
                continue;
            }
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        return command;
    }

    private static long Ms(TimeSpan duration) => (long)duration.TotalMilliseconds;
}

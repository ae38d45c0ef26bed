using System.Data;
using System.Data.Common;
using System.Runtime.InteropServices;
using EdgeAi.Common.Sync;
using Google.Protobuf;

namespace EdgeAi.Hub.Ingest;

/// <summary>
/// The ingest writer's prepared statements on one open connection. Records go in as multi-row
/// <c>INSERT ... ON CONFLICT DO NOTHING</c> (valid on SQLite 3.24+ and PostgreSQL), so a batch of
/// 500 records is a handful of statements, and the affected-row count tells stored from duplicate.
/// </summary>
internal sealed class IngestSql : IAsyncDisposable
{
    /// <summary>Rows per statement: 3 parameters each, far below SQLite's 32766-variable limit.</summary>
    public const int RowsPerStatement = 128;

    private const string TouchDeviceSql =
        "INSERT INTO devices (id, first_seen_at_ms, last_seen_at_ms, online) VALUES (@id, @now, @now, FALSE) " +
        "ON CONFLICT (id) DO UPDATE SET last_seen_at_ms = excluded.last_seen_at_ms";

    private const string PresenceInsert =
        "INSERT INTO devices (id, first_seen_at_ms, last_seen_at_ms, online, agent_version, status_at_ms, started_at_ms, last_offline_reason) " +
        "VALUES (@id, @now, @now, @online, @version, @now, @started, @reason) ON CONFLICT (id) DO UPDATE SET ";

    private const string PresenceUpdate =
        "online = excluded.online, agent_version = COALESCE(excluded.agent_version, devices.agent_version), " +
        "started_at_ms = COALESCE(excluded.started_at_ms, devices.started_at_ms), " +
        "last_offline_reason = COALESCE(excluded.last_offline_reason, devices.last_offline_reason)";

    private const string PresenceSql = PresenceInsert + "last_seen_at_ms = excluded.last_seen_at_ms, status_at_ms = excluded.status_at_ms, " + PresenceUpdate;

    // A retained status re-read from an external broker is old news: it sets presence, not when the device was last heard.
    private const string RelearnedPresenceSql = PresenceInsert + PresenceUpdate;

    private readonly DbConnection _connection;
    private readonly DbCommand?[] _inserts = new DbCommand?[RowsPerStatement + 1];
    private readonly DbCommand _touch;
    private readonly DbCommand _presence;
    private readonly DbCommand _relearned;
    private DbTransaction? _transaction;

    private IngestSql(DbConnection connection)
    {
        _connection = connection;
        _touch = Command(TouchDeviceSql, ("@id", DbType.String), ("@now", DbType.Int64));
        _presence = PresenceCommand(PresenceSql);
        _relearned = PresenceCommand(RelearnedPresenceSql);
    }

    /// <summary>Prepares the statements on an open connection (server-side prepared on PostgreSQL).</summary>
    public static async Task<IngestSql> PrepareAsync(DbConnection connection)
    {
        var sql = new IngestSql(connection);
        await sql._touch.PrepareAsync().ConfigureAwait(false);
        await sql._presence.PrepareAsync().ConfigureAwait(false);
        await sql._relearned.PrepareAsync().ConfigureAwait(false);
        return sql;
    }

    public async Task BeginAsync()
    {
        _transaction = await _connection.BeginTransactionAsync().ConfigureAwait(false);
    }

    public async Task CommitAsync()
    {
        await _transaction!.CommitAsync().ConfigureAwait(false);
        await _transaction.DisposeAsync().ConfigureAwait(false);
        _transaction = null;
    }

    /// <summary>Inserts the batch's records; returns how many were new (the rest were already stored).</summary>
    public async Task<long> InsertAsync(string deviceId, RecordBatch batch, long receivedAtMs)
    {
        var records = batch.Records;
        long inserted = 0;
        for (var start = 0; start < records.Count; start += RowsPerStatement)
        {
            var rows = Math.Min(RowsPerStatement, records.Count - start);
            var command = _inserts[rows] ?? await PrepareInsertAsync(rows).ConfigureAwait(false);
            var parameters = command.Parameters;
            parameters[0].Value = deviceId;
            parameters[1].Value = batch.Stream;
            parameters[2].Value = receivedAtMs;
            parameters[3].Value = batch.Epoch;
            for (var i = 0; i < rows; i++)
            {
                var record = records[start + i];
                parameters[4 + (3 * i)].Value = record.Seq;
                parameters[5 + (3 * i)].Value = record.CreatedUnixMs;
                parameters[6 + (3 * i)].Value = Bytes(record.Body);
            }
            command.Transaction = _transaction;
            inserted += await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        return inserted;
    }

    public async Task TouchDeviceAsync(string deviceId, long nowMs)
    {
        _touch.Parameters[0].Value = deviceId;
        _touch.Parameters[1].Value = nowMs;
        _touch.Transaction = _transaction;
        await _touch.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    /// <summary>Sets the device's presence from a status; <paramref name="relearned"/>: a retained one read again, which leaves last seen as it was.</summary>
    public async Task PresenceAsync(string deviceId, Status status, long nowMs, bool relearned)
    {
        var command = relearned ? _relearned : _presence;
        var parameters = command.Parameters;
        parameters[0].Value = deviceId;
        parameters[1].Value = nowMs;
        parameters[2].Value = status.Online;
        parameters[3].Value = string.IsNullOrEmpty(status.AgentVersion) ? DBNull.Value : status.AgentVersion;
        parameters[4].Value = status.StartedUnixMs > 0 ? status.StartedUnixMs : DBNull.Value;
        parameters[5].Value = status.Online ? DBNull.Value : string.IsNullOrEmpty(status.Reason) ? "offline" : status.Reason;
        command.Transaction = _transaction;
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_transaction is not null)
        {
            await _transaction.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var command in _inserts)
        {
            if (command is not null)
            {
                await command.DisposeAsync().ConfigureAwait(false);
            }
        }
        await _touch.DisposeAsync().ConfigureAwait(false);
        await _presence.DisposeAsync().ConfigureAwait(false);
        await _relearned.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<DbCommand> PrepareInsertAsync(int rows)
    {
        var command = InsertCommand(rows);
        command.Transaction = _transaction;
        await command.PrepareAsync().ConfigureAwait(false);
        _inserts[rows] = command;
        return command;
    }

    private DbCommand InsertCommand(int rows)
    {
        var sql = new System.Text.StringBuilder("INSERT INTO records (device_id, stream, epoch, seq, created_at_ms, received_at_ms, body) VALUES ");
        var parameters = new List<(string, DbType)>(4 + (3 * rows)) { ("@d", DbType.String), ("@s", DbType.String), ("@r", DbType.Int64), ("@e", DbType.Int64) };
        for (var i = 0; i < rows; i++)
        {
            sql.Append(i == 0 ? "" : ",").Append("(@d,@s,@e,@q").Append(i).Append(",@c").Append(i).Append(",@r,@b").Append(i).Append(')');
            parameters.Add(($"@q{i}", DbType.Int64));
            parameters.Add(($"@c{i}", DbType.Int64));
            parameters.Add(($"@b{i}", DbType.Binary));
        }
        sql.Append(" ON CONFLICT (device_id, stream, epoch, seq) DO NOTHING");
        return Command(sql.ToString(), [.. parameters]);
    }

    private DbCommand PresenceCommand(string sql) => Command(sql, ("@id", DbType.String), ("@now", DbType.Int64), ("@online", DbType.Boolean),
        ("@version", DbType.String), ("@started", DbType.Int64), ("@reason", DbType.String));

    private DbCommand Command(string sql, params (string Name, DbType Type)[] parameters)
    {
        var command = _connection.CreateCommand();
#pragma warning disable CA2100 // Built only from constants and parameter names above; values always go through parameters.
        command.CommandText = sql;
#pragma warning restore CA2100
        foreach (var (name, type) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.DbType = type;
            command.Parameters.Add(parameter);
        }
        return command;
    }

    /// <summary>The body's own array when it is exactly that (the usual case after parsing), so no copy per record.</summary>
    private static byte[] Bytes(ByteString body) =>
        MemoryMarshal.TryGetArray(body.Memory, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : body.ToByteArray();
}

using System.Threading.Channels;
using EdgeAi.Common.Sync;
using EdgeAi.Hub.Store;
using EdgeAi.Serving.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Ingest;

/// <summary>
/// The single writer of synced data. Callers hand over a device's record batch (or status) and await
/// it; one loop commits everything queued in one transaction (group commit), then completes the
/// callers, or faults them when the commit failed so their senders keep the records and retry.
/// Writes are queued from the start; the loop commits once the store exists, and runs under the
/// <see cref="LoopSupervisor"/>, so a fault in it restarts it instead of ending ingest.
/// </summary>
internal sealed class IngestWriter(
    IDbContextFactory<HubDbContext> contexts,
    StoreInitializer schema,
    IOptions<StoreOptions> options,
    IngestMetrics metrics,
    LoopSupervisor supervisor,
    TimeProvider time,
    ILogger<IngestWriter> logger) : BackgroundService
{
    // Bounded, so a store slower than the fleet pushes back on the broker instead of growing memory.
    private readonly Channel<WriteRequest> _queue = Channel.CreateBounded<WriteRequest>(
        new BoundedChannelOptions(8192) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>Completes once the batch's records are committed (new ones stored, duplicates ignored).</summary>
    public Task WriteAsync(string deviceId, RecordBatch batch, CancellationToken cancellationToken) =>
        EnqueueAsync(new WriteRequest(deviceId, batch, null), cancellationToken);

    /// <summary>Completes once the device's presence (online, version, offline reason) is committed; <paramref name="relearned"/>: from a retained status read again.</summary>
    public Task UpdatePresenceAsync(string deviceId, Status status, bool relearned, CancellationToken cancellationToken) =>
        EnqueueAsync(new WriteRequest(deviceId, null, status) { Relearned = relearned }, cancellationToken);

    private async Task EnqueueAsync(WriteRequest request, CancellationToken cancellationToken)
    {
        await _queue.Writer.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        await request.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await schema.EnsureCreatedAsync(stoppingToken).ConfigureAwait(false);
            await supervisor.RunAsync("ingest-writer", RunAsync, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _queue.Writer.TryComplete();
            while (_queue.Reader.TryRead(out var left))
            {
                left.TrySetException(new IngestException("the hub is shutting down"));
            }
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var group = new List<WriteRequest>();
        var devices = new HashSet<string>(StringComparer.Ordinal);
        Connection? connection = null;
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                var records = 0;
                while (records < options.Value.MaxRecordsPerCommit && _queue.Reader.TryRead(out var request))
                {
                    group.Add(request);
                    records += request.Batch?.Records.Count ?? 0;
                }
                try
                {
                    // Not cancelled by shutdown: a commit under way finishes, so its callers learn the truth.
                    connection ??= await Connection.OpenAsync(contexts).ConfigureAwait(false);
                    var (stored, duplicates) = await CommitAsync(connection.Sql, group, devices).ConfigureAwait(false);
                    metrics.Committed(group.Count, stored, duplicates);
                    group.ForEach(r => r.TrySetResult());
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Log.CommitFailed(logger, e, group.Count, records);
                    metrics.Failed(group.Count);
                    group.ForEach(r => r.TrySetException(new IngestException("the store could not commit the batch", e)));
                    // The connection may be broken; start from a fresh one next time.
                    if (connection is not null)
                    {
                        await connection.DisposeAsync().ConfigureAwait(false);
                        connection = null;
                    }
                }
                group.Clear();
                devices.Clear();
            }
        }
        finally
        {
            // Whatever ended this run (stop, or a fault the supervisor restarts it from), nobody may wait on a taken request forever.
            group.ForEach(r => r.TrySetException(new IngestException("the store writer stopped before committing the batch")));
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<(long Stored, long Duplicates)> CommitAsync(IngestSql sql, List<WriteRequest> group, HashSet<string> devices)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        long stored = 0;
        long received = 0;
        await sql.BeginAsync().ConfigureAwait(false);
        foreach (var request in group)
        {
            if (request.Batch is { } batch)
            {
                stored += await sql.InsertAsync(request.DeviceId, batch, now).ConfigureAwait(false);
                received += batch.Records.Count;
                devices.Add(request.DeviceId);
            }
            else
            {
                await sql.PresenceAsync(request.DeviceId, request.Status!, now, request.Relearned).ConfigureAwait(false);
            }
        }
        foreach (var device in devices)
        {
            await sql.TouchDeviceAsync(device, now).ConfigureAwait(false);
        }
        await sql.CommitAsync().ConfigureAwait(false);
        return (stored, received - stored);
    }

    private sealed class WriteRequest(string deviceId, RecordBatch? batch, Status? status)
        : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public string DeviceId { get; } = deviceId;

        public RecordBatch? Batch { get; } = batch;

        public Status? Status { get; } = status;

        public bool Relearned { get; init; }
    }

    /// <summary>The writer's own context, its open connection and the prepared statements on it.</summary>
    private sealed class Connection(HubDbContext context, IngestSql sql) : IAsyncDisposable
    {
        public IngestSql Sql { get; } = sql;

        public static async Task<Connection> OpenAsync(IDbContextFactory<HubDbContext> contexts)
        {
            var context = await contexts.CreateDbContextAsync().ConfigureAwait(false);
            try
            {
                var connection = context.Database.GetDbConnection();
                await connection.OpenAsync().ConfigureAwait(false);
                return new Connection(context, await IngestSql.PrepareAsync(connection).ConfigureAwait(false));
            }
            catch
            {
                await context.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Sql.DisposeAsync().ConfigureAwait(false);
            await context.DisposeAsync().ConfigureAwait(false);
        }
    }
}

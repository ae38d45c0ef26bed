using EdgeAi.Common.Sync;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.Testing.Hosts;

/// <summary>Reads what a test hub stored, straight from its store.</summary>
internal static class HubStore
{
    /// <summary>(store id, seq) of every record of one device stream, in the order they were stored.</summary>
    public static async Task<List<(long Id, long Seq)>> SequencesAsync(TestHub hub, string device, string stream, CancellationToken cancellationToken)
    {
        await using var db = await hub.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync(cancellationToken);
        var rows = await db.Records.Where(r => r.DeviceId == device && r.Stream == stream).OrderBy(r => r.Id)
            .Select(r => new { r.Id, r.Seq }).ToListAsync(cancellationToken);
        return [.. rows.Select(r => (r.Id, r.Seq))];
    }

    /// <summary>(epoch, seq) of every record of one device stream, in the order they were stored.</summary>
    public static async Task<List<(long Epoch, long Seq)>> EpochSequencesAsync(TestHub hub, string device, string stream, CancellationToken cancellationToken)
    {
        await using var db = await hub.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync(cancellationToken);
        var rows = await db.Records.Where(r => r.DeviceId == device && r.Stream == stream).OrderBy(r => r.Id)
            .Select(r => new { r.Epoch, r.Seq }).ToListAsync(cancellationToken);
        return [.. rows.Select(r => (r.Epoch, r.Seq))];
    }

    public static async Task<long> StoredCountAsync(TestHub hub, string device, string stream, CancellationToken cancellationToken)
    {
        await using var db = await hub.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync(cancellationToken);
        return await db.Records.LongCountAsync(r => r.DeviceId == device && r.Stream == stream, cancellationToken);
    }

    public static async Task<List<byte[]>> BodiesAsync(TestHub hub, string device, string stream, CancellationToken cancellationToken)
    {
        await using var db = await hub.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync(cancellationToken);
        return await db.Records.Where(r => r.DeviceId == device && r.Stream == stream).OrderBy(r => r.Id).Select(r => r.Body).ToListAsync(cancellationToken);
    }

    public static async Task<List<DeviceEvent>> EventsAsync(TestHub hub, string device, CancellationToken cancellationToken) =>
        [.. (await BodiesAsync(hub, device, SyncTopics.Events, cancellationToken)).Select(DeviceEvent.Parser.ParseFrom)];

    public static async Task<DeviceRow?> DeviceAsync(TestHub hub, string device, CancellationToken cancellationToken)
    {
        await using var db = await hub.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync(cancellationToken);
        return await db.Devices.AsNoTracking().SingleOrDefaultAsync(d => d.Id == device, cancellationToken);
    }
}

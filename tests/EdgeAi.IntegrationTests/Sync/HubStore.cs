using EdgeAi.Common.Sync;
using EdgeAi.Hub.Store;
using EdgeAi.IntegrationTests.Cloud;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.IntegrationTests.Sync;

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

    /// <summary>
    /// Asserts the store holds exactly seq 1..<paramref name="last"/> of the stream, each once; with
    /// <paramref name="inStoreOrder"/>, also stored in increasing order (a re-sent batch is ignored, so
    /// store order follows the device's order when the hub hears the device directly).
    /// </summary>
    public static async Task ShouldHoldExactlyAsync(TestHub hub, string device, string stream, long last, CancellationToken cancellationToken, bool inStoreOrder = true)
    {
        var stored = await SequencesAsync(hub, device, stream, cancellationToken);
        stored.Count.ShouldBe((int)last, $"{stream}: stored {stored.Count} records, device assigned {last}");
        var expected = Enumerable.Range(1, (int)last).Select(i => (long)i);
        if (inStoreOrder)
        {
            stored.Select(r => r.Seq).ShouldBe(expected, $"{stream}: sequence numbers in store order");
        }
        else
        {
            stored.Select(r => r.Seq).Order().ShouldBe(expected, $"{stream}: sequence numbers, each once");
        }
    }
}

using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Broker;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Security;

/// <summary>
/// Revokes a device for good: recorded in the store (so it survives a restart), refused from then on
/// by gRPC/REST and the MQTT broker, and its live MQTT session, if any, dropped.
/// </summary>
internal sealed class DeviceRevocation(
    IDbContextFactory<HubDbContext> store, DeviceCredentials credentials, AuditLog audit, IDeviceBroker broker, TimeProvider time,
    ILogger<DeviceRevocation> logger)
{
    /// <summary>Revokes the device; refused when the hub knows no such device, or when it was revoked before.</summary>
    public async Task<Outcome<RevokedDevice>> RevokeAsync(string deviceId, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var row = await db.Devices.SingleOrDefaultAsync(d => d.Id == deviceId, cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                if (!credentials.IsConfigured(deviceId))
                {
                    return Refusal.NotFound("Unknown device", $"no device '{deviceId}' is enrolled, configured or known to this hub");
                }
                // Configured in Hub:DeviceKeys but never seen: the row is what keeps it revoked.
                row = new DeviceRow { Id = deviceId, FirstSeenAtMs = now, LastSeenAtMs = now };
                db.Devices.Add(row);
            }
            else if (row.RevokedAtMs is { } already)
            {
                return Refusal.Conflict("Already revoked", $"device '{deviceId}' was already revoked at {DateTimeOffset.FromUnixTimeMilliseconds(already):u}");
            }
            row.RevokedAtMs = now;
            row.Online = false;
            row.LastOfflineReason = "revoked";
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        // Refuse first, then drop the session, so the device cannot slip back in between.
        credentials.Revoked(deviceId, now);
        var dropped = await broker.DisconnectAsync(deviceId, $"device {deviceId} was revoked").ConfigureAwait(false);
        Log.DeviceRevoked(logger, deviceId, dropped ? "was dropped" : "was not connected");
        await audit.RecordAsync(actor, "device.revoke", deviceId, dropped ? "live MQTT session dropped" : null, cancellationToken).ConfigureAwait(false);
        return new RevokedDevice(deviceId, DateTimeOffset.FromUnixTimeMilliseconds(now));
    }
}

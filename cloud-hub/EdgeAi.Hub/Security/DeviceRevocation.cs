using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Broker;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Security;

/// <summary>
/// Revokes a device for good: recorded in the store (so it survives a restart), refused from then on
/// by gRPC/REST and the MQTT broker, and its live MQTT session, if any, dropped. An external broker
/// that keeps device logins has the device's disabled (which also drops its connection); one that
/// cannot be told now gets it at the next reconciliation, so the revocation itself never fails on it.
/// </summary>
internal sealed class DeviceRevocation(
    IDbContextFactory<HubDbContext> store, DeviceCredentials credentials, AuditLog audit, IDeviceBroker broker, IDeviceAccounts brokerAccounts, TimeProvider time,
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
        var disabled = await DisableAtBrokerAsync(deviceId, cancellationToken).ConfigureAwait(false);
        Log.DeviceRevoked(logger, deviceId, dropped ? "was dropped" : disabled ? "ended: its login at the external broker is disabled (which drops a live connection)" : "was not connected");
        var detail = dropped ? "live MQTT session dropped" : disabled ? "login disabled at the external broker" : null;
        await audit.RecordAsync(actor, "device.revoke", deviceId, detail, cancellationToken).ConfigureAwait(false);
        return new RevokedDevice(deviceId, DateTimeOffset.FromUnixTimeMilliseconds(now));
    }

    private async Task<bool> DisableAtBrokerAsync(string deviceId, CancellationToken cancellationToken)
    {
        try
        {
            return await brokerAccounts.DisableAsync(deviceId, cancellationToken).ConfigureAwait(false);
        }
        catch (BrokerAccountsException e)
        {
            Log.DisableDeferred(logger, deviceId, e.Message);
            return false;
        }
    }
}

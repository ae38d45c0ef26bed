using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Deployments;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Twin;

/// <summary>
/// A device's twin: the desired configuration the hub publishes with its desired state, and that
/// desired state as the device will see it. A new configuration is one change through
/// <see cref="DesiredStateChanges"/>, the path rollouts take too, so its revision is ordered with theirs.
/// </summary>
internal sealed class DeviceTwin(IDbContextFactory<HubDbContext> store, DesiredStateChanges changes)
{
    /// <summary>Replaces a device's desired configuration and publishes it with a new revision.</summary>
    public async Task<Outcome<DesiredView>> SetConfigAsync(string deviceId, IReadOnlyDictionary<string, string> config, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        var outcome = await changes.ChangeAsync<bool>(async (db, changed) =>
        {
            var device = await db.Devices.FindAsync([deviceId], cancellationToken).ConfigureAwait(false);
            if (device is null)
            {
                return Refusal.UnknownDevice(deviceId);
            }
            if (device.RevokedAtMs is not null)
            {
                return Refusal.Conflict("Device revoked", $"device '{deviceId}' is revoked; it can no longer receive a desired state");
            }
            device.DesiredConfig = config.Count == 0 ? null : StringMapJson.Write(config);
            device.DesiredRevision = (device.DesiredRevision ?? 0) + 1;
            changed.Devices.Add(deviceId);
            changed.Record(actor, "device.config", $"device/{deviceId}", $"revision {device.DesiredRevision}: {string.Join(", ", config.Keys.Order(StringComparer.Ordinal))}");
            return true;
        }, cancellationToken).ConfigureAwait(false);
        return outcome.Error is { } refused ? refused : await GetDesiredAsync(deviceId, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Outcome<DesiredView>> GetDesiredAsync(string deviceId, CancellationToken cancellationToken)
    {
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var state = await DesiredStatePublisher.BuildAsync(db, deviceId, cancellationToken).ConfigureAwait(false);
            if (state is null)
            {
                return Refusal.UnknownDevice(deviceId);
            }
            return new DesiredView(deviceId, state.Revision,
                [.. state.Models.Select(m => new DesiredModelView(m.Name, m.Version, m.Sha256, m.RoutingPolicy))], new Dictionary<string, string>(state.Config));
        }
    }
}

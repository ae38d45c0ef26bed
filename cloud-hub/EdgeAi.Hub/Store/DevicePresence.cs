using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Store;

/// <summary>
/// What the hub says about a device's presence, one definition for the admin API, the CLI and the
/// dashboard: revoked, else offline by its last status or will, else stale when nothing has arrived
/// for longer than <c>Hub:Dashboard:StaleAfter</c> (a half-open connection its will has not caught
/// yet), else online.
/// </summary>
internal static class DevicePresence
{
    public const string Online = "online";
    public const string Offline = "offline";
    public const string Stale = "stale";
    public const string Revoked = "revoked";

    /// <summary>The offline reason of a device the hub last saw online before it (re)started.</summary>
    public const string HubRestarted = "hub restarted";

    public static string StateOf(DeviceRow device, DateTimeOffset now, TimeSpan staleAfter)
    {
        ArgumentNullException.ThrowIfNull(device);
        return device.RevokedAtMs is not null ? Revoked
            : !device.Online ? Offline
            : now - DateTimeOffset.FromUnixTimeMilliseconds(device.LastSeenAtMs) > staleAfter ? Stale
            : Online;
    }

    /// <summary>
    /// Marks every device still stored as online offline ("hub restarted"); returns how many. For a
    /// hub whose broker starts empty: a crash left those rows online, and no will will ever come for
    /// them; a device that is really there says so again when it reconnects (its status is retained
    /// and re-sent on every connect).
    /// </summary>
    public static Task<int> ForgetOnlineAsync(HubDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Devices.Where(d => d.Online)
            .ExecuteUpdateAsync(set => set.SetProperty(d => d.Online, false).SetProperty(d => d.LastOfflineReason, HubRestarted), cancellationToken);
    }
}

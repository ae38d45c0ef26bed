using EdgeAi.Common.Sync;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Deployments;

/// <summary>
/// The variant each desired model resolves to, from what is stored: the owning deployment's variant
/// (none = auto), the variants the version has, and the providers in the device's last reported state
/// (<see cref="VariantChooser"/>). Desired states, downloads and the registry's in-use check all ask here,
/// so they cannot disagree.
/// </summary>
internal static class DesiredVariants
{
    /// <summary>The execution providers of a stored ReportedState; empty when the device has not reported (or it is unreadable).</summary>
    public static IReadOnlyList<string> Providers(byte[]? reported) =>
        StoredBody.TryParse(reported, ReportedState.Parser) is { } state ? [.. state.ExecutionProviders] : [];

    public static async Task<string> ResolveAsync(HubDbContext db, long deploymentId, string model, string version, IReadOnlyCollection<string> providers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var preference = await db.DeploymentVariants.AsNoTracking().Where(v => v.DeploymentId == deploymentId).Select(v => v.Variant)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        var available = await db.ModelVariants.AsNoTracking().Where(v => v.Name == model && v.Version == version).Select(v => v.Variant)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return VariantChooser.Choose(preference, available, providers);
    }

    /// <summary>The variant the device's desired state names for the model, or null when it names no such version.</summary>
    public static async Task<string?> ForDeviceAsync(HubDbContext db, string deviceId, string model, string version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var desired = await db.DesiredModels.AsNoTracking().SingleOrDefaultAsync(m => m.DeviceId == deviceId && m.Model == model && m.Version == version, cancellationToken).ConfigureAwait(false);
        if (desired is null)
        {
            return null;
        }
        var reported = await db.Devices.AsNoTracking().Where(d => d.Id == deviceId).Select(d => d.Reported).SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return await ResolveAsync(db, desired.DeploymentId, model, version, Providers(reported), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Why a variant is still needed (a device's desired state names it, or an open deployment asks for it), or null.</summary>
    public static async Task<string?> UsersAsync(HubDbContext db, string model, string version, string variant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var pinned = await (from d in db.Deployments
                            join v in db.DeploymentVariants on d.Id equals v.DeploymentId
                            where d.Model == model && d.Version == version && v.Variant == variant
                                && (d.State == DeploymentStates.Running || d.State == DeploymentStates.Paused || d.State == DeploymentStates.Halted)
                            select d.Id).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (pinned != 0)
        {
            return $"deployment {pinned} asks for it (roll it back or let it finish first)";
        }
        var users = new List<string>();
        foreach (var device in await db.DesiredModels.AsNoTracking().Where(m => m.Model == model && m.Version == version).Select(m => m.DeviceId)
            .OrderBy(d => d).ToListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await ForDeviceAsync(db, device, model, version, cancellationToken).ConfigureAwait(false) == variant)
            {
                users.Add(device);
            }
        }
        return users.Count == 0 ? null : $"the desired state of {string.Join(", ", users.Take(5))}{(users.Count > 5 ? ", …" : "")} names it (deploy another version or variant first)";
    }
}

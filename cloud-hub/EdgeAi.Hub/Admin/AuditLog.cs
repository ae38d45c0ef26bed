using System.Security.Claims;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Admin;

/// <summary>Records who did what: admin actions, enrollments, revocations, deployments and the controller's own steps.</summary>
internal sealed class AuditLog(IDbContextFactory<HubDbContext> store, TimeProvider time)
{
    /// <summary>Header the CLI sets to say which person acts (default: its OS user name); the admin key itself is shared.</summary>
    public const string ActorHeader = "X-EdgeAi-Actor";

    public const string HubActor = "hub";

    public const string AdminActor = "admin";

    public async Task RecordAsync(string actor, string action, string target, string? detail, CancellationToken cancellationToken)
    {
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            db.Audit.Add(new AuditRow { AtMs = time.GetUtcNow().ToUnixTimeMilliseconds(), Actor = actor, Action = action, Target = target, Detail = detail });
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>"admin", or "admin:{name}" when the caller named itself in <see cref="ActorHeader"/> (at most 64 characters of it).</summary>
    public static string AdminNamed(string? named)
    {
        var name = named?.Trim() ?? "";
        return name.Length == 0 ? AdminActor : $"{AdminActor}:{(name.Length > 64 ? name[..64] : name)}";
    }

    /// <summary>Who is acting in an admin request: the name the admin key's authentication gave the caller.</summary>
    public static string ActorOf(ClaimsPrincipal admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        return admin.Identity?.Name ?? AdminActor;
    }
}

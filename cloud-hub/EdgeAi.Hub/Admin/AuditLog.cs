using EdgeAi.Hub.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Admin;

/// <summary>Records who did what: admin actions, enrollments, revocations, deployments and the controller's own steps.</summary>
internal sealed class AuditLog(IDbContextFactory<HubDbContext> store, TimeProvider time)
{
    /// <summary>Header the CLI sets to say which person acts (default: its OS user name); the admin key itself is shared.</summary>
    public const string ActorHeader = "X-EdgeAi-Actor";

    public const string HubActor = "hub";

    public async Task RecordAsync(string actor, string action, string target, string? detail, CancellationToken cancellationToken)
    {
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            db.Audit.Add(new AuditRow { AtMs = time.GetUtcNow().ToUnixTimeMilliseconds(), Actor = actor, Action = action, Target = target, Detail = detail });
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Who is acting in an admin request: "admin", or "admin:{name}" when the caller named itself.</summary>
    public static string ActorOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var named = context.Request.Headers[ActorHeader].ToString().Trim();
        return named.Length == 0 ? "admin" : $"admin:{(named.Length > 64 ? named[..64] : named)}";
    }
}

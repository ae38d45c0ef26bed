using System.Globalization;
using EdgeAi.Hub.Http;
using EdgeAi.Hub.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Admin;

/// <summary>GET /api/audit: the audit log, newest first, by action or action prefix.</summary>
internal static class AuditEndpoints
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 10_000;

    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/audit", ListAsync);
        return api;
    }

    private static async Task<Results<Ok<AuditEntry[]>, ProblemHttpResult>> ListAsync(
        [FromQuery] string? limit, [FromQuery] string? action, IDbContextFactory<HubDbContext> store, CancellationToken cancellationToken)
    {
        var take = DefaultLimit;
        if (limit is { Length: > 0 } && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take < 1 || take > MaxLimit))
        {
            return HubProblems.BadRequest("Bad limit", $"'limit' must be an integer from 1 to {MaxLimit} (default {DefaultLimit})");
        }
        var filter = action?.Trim() ?? "";
        if (filter.Length > 64 || filter.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')))
        {
            return HubProblems.BadRequest("Bad action", "'action' must be an action such as device.enroll, or a prefix ending in '.' such as token.");
        }
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            IQueryable<AuditRow> rows = db.Audit.AsNoTracking();
            if (filter.EndsWith('.'))
            {
                rows = rows.Where(a => a.Action.StartsWith(filter));
            }
            else if (filter.Length > 0)
            {
                rows = rows.Where(a => a.Action == filter);
            }
            var entries = await rows.OrderByDescending(a => a.AtMs).ThenByDescending(a => a.Id).Take(take).ToListAsync(cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(entries.Select(a => new AuditEntry(a.Id, DateTimeOffset.FromUnixTimeMilliseconds(a.AtMs), a.Actor, a.Action, a.Target, a.Detail)).ToArray());
        }
    }
}

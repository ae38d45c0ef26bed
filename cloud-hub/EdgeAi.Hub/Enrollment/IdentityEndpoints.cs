using System.Globalization;
using System.Text.Json;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Security;
using EdgeAi.Hub.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Enrollment;

/// <summary>Admin REST for identity: enrollment tokens, device revocation, the audit log, and what devices need to know about the hub.</summary>
internal static class IdentityEndpoints
{
    public const int DefaultAuditLimit = 100;
    public const int MaxAuditLimit = 10_000;
    public const int DefaultUses = 1;
    public const string DefaultExpiresIn = "24h";

    public static IEndpointRouteBuilder MapIdentityApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/tokens", CreateTokenAsync);
        app.MapGet("/api/tokens", ListTokensAsync);
        app.MapDelete("/api/tokens/{id}", RevokeTokenAsync);
        app.MapPost("/api/devices/{id}/revoke", RevokeDeviceAsync);
        app.MapGet("/api/audit", ListAuditAsync);
        app.MapGet("/api/hub", GetHubAsync);
        return app;
    }

    private static async Task CreateTokenAsync(HttpContext context)
    {
        CreateTokenRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, EnrollmentJson.Default.CreateTokenRequest, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            await BadRequest(context, "Bad body", $"the body must be JSON {{\"tags\":{{\"key\":\"value\"}}, \"uses\":10, \"expiresIn\":\"7d\"}}: {e.Message}").ConfigureAwait(false);
            return;
        }
        request ??= new CreateTokenRequest(null, null, null);
        if (!TokenSyntax.TryValidateTags(request.Tags, out var tags, out var tagError))
        {
            await BadRequest(context, "Bad tags", $"'tags': {tagError}").ConfigureAwait(false);
            return;
        }
        var uses = request.Uses ?? DefaultUses;
        if (uses is < 1 or > TokenSyntax.MaxUses)
        {
            await BadRequest(context, "Bad uses", $"'uses' is {uses}; it must be a whole number from 1 to {TokenSyntax.MaxUses}").ConfigureAwait(false);
            return;
        }
        if (!TokenSyntax.TryParseLifetime(request.ExpiresIn ?? DefaultExpiresIn, out var lifetime, out var durationError))
        {
            await BadRequest(context, "Bad expiresIn", $"'expiresIn' {durationError}").ConfigureAwait(false);
            return;
        }
        var created = await context.RequestServices.GetRequiredService<EnrollmentTokens>()
            .CreateAsync(tags, uses, lifetime, AuditLog.ActorOf(context), context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status201Created;
        await AdminResults.Json(context, created, EnrollmentJson.Default.CreatedToken).ConfigureAwait(false);
    }

    private static async Task ListTokensAsync(HttpContext context)
    {
        var tokens = await context.RequestServices.GetRequiredService<EnrollmentTokens>().ListAsync(context.RequestAborted).ConfigureAwait(false);
        await AdminResults.Json(context, tokens, EnrollmentJson.Default.TokenSummaryArray).ConfigureAwait(false);
    }

    private static async Task RevokeTokenAsync(HttpContext context)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        var outcome = await context.RequestServices.GetRequiredService<EnrollmentTokens>().RevokeAsync(id, AuditLog.ActorOf(context), context.RequestAborted).ConfigureAwait(false);
        if (outcome is not { } revoked)
        {
            await AdminResults.Problem(context, StatusCodes.Status404NotFound, "Unknown token", $"no enrollment token '{id}' (see GET /api/tokens)").ConfigureAwait(false);
            return;
        }
        if (revoked.AlreadyRevoked)
        {
            await AdminResults.Problem(context, StatusCodes.Status409Conflict, "Already revoked", $"enrollment token '{id}' was already revoked at {revoked.Token.RevokedAt:u}").ConfigureAwait(false);
            return;
        }
        await AdminResults.Json(context, revoked.Token, EnrollmentJson.Default.TokenSummary).ConfigureAwait(false);
    }

    private static async Task RevokeDeviceAsync(HttpContext context)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        var outcome = await context.RequestServices.GetRequiredService<DeviceRevocation>().RevokeAsync(id, AuditLog.ActorOf(context), context.RequestAborted).ConfigureAwait(false);
        switch (outcome.Result)
        {
            case RevocationResult.Unknown:
                await AdminResults.Problem(context, StatusCodes.Status404NotFound, "Unknown device", $"no device '{id}' is enrolled, configured or known to this hub").ConfigureAwait(false);
                break;
            case RevocationResult.AlreadyRevoked:
                await AdminResults.Problem(context, StatusCodes.Status409Conflict, "Already revoked", $"device '{id}' was already revoked at {outcome.RevokedAt:u}").ConfigureAwait(false);
                break;
            default:
                await AdminResults.Json(context, new RevokedDevice(id, outcome.RevokedAt!.Value), EnrollmentJson.Default.RevokedDevice).ConfigureAwait(false);
                break;
        }
    }

    private static async Task ListAuditAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var limit = DefaultAuditLimit;
        if (query["limit"].ToString() is { Length: > 0 } text
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > MaxAuditLimit))
        {
            await BadRequest(context, "Bad limit", $"'limit' must be an integer from 1 to {MaxAuditLimit} (default {DefaultAuditLimit})").ConfigureAwait(false);
            return;
        }
        var action = query["action"].ToString().Trim();
        if (action.Length > 64 || action.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')))
        {
            await BadRequest(context, "Bad action", "'action' must be an action such as device.enroll, or a prefix ending in '.' such as token.").ConfigureAwait(false);
            return;
        }
        var db = await context.RequestServices.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync(context.RequestAborted).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            IQueryable<AuditRow> rows = db.Audit.AsNoTracking();
            if (action.EndsWith('.'))
            {
                rows = rows.Where(a => a.Action.StartsWith(action));
            }
            else if (action.Length > 0)
            {
                rows = rows.Where(a => a.Action == action);
            }
            var entries = await rows.OrderByDescending(a => a.AtMs).ThenByDescending(a => a.Id).Take(limit).ToListAsync(context.RequestAborted).ConfigureAwait(false);
            var result = entries.Select(a => new AuditEntry(a.Id, DateTimeOffset.FromUnixTimeMilliseconds(a.AtMs), a.Actor, a.Action, a.Target, a.Detail)).ToArray();
            await AdminResults.Json(context, result, EnrollmentJson.Default.AuditEntryArray).ConfigureAwait(false);
        }
    }

    private static Task GetHubAsync(HttpContext context)
    {
        var endpoints = context.RequestServices.GetRequiredService<HubEndpoints>();
        var info = new HubInfo(
            endpoints.Certificate is { } certificate ? HubCertificate.Fingerprint(certificate) : null,
            endpoints.MqttPort > 0 ? endpoints.MqttPort : null,
            endpoints.MqttTlsPort > 0 ? endpoints.MqttTlsPort : null,
            HubHost.Version);
        return AdminResults.Json(context, info, EnrollmentJson.Default.HubInfo);
    }

    private static Task BadRequest(HttpContext context, string title, string detail) =>
        AdminResults.Problem(context, StatusCodes.Status400BadRequest, title, detail);
}

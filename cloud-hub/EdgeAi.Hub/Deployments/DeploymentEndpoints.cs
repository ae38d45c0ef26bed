using System.Globalization;
using System.Text.Json;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Deployments;

/// <summary>Admin REST routes of deployments (create, list, show, pause, resume, roll back) and of the device twin (desired config).</summary>
internal static class DeploymentEndpoints
{
    public static IEndpointRouteBuilder MapDeployments(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/deployments", CreateAsync);
        app.MapGet("/api/deployments", ListAsync);
        app.MapGet("/api/deployments/{id}", GetAsync);
        app.MapPost("/api/deployments/{id}/pause", PauseAsync);
        app.MapPost("/api/deployments/{id}/resume", ResumeAsync);
        app.MapPost("/api/deployments/{id}/rollback", RollbackAsync);
        app.MapPut("/api/devices/{id}/config", PutConfigAsync);
        app.MapGet("/api/devices/{id}/desired", GetDesiredAsync);
        return app;
    }

    private static async Task CreateAsync(HttpContext context)
    {
        CreateDeploymentRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, DeploymentJson.Default.CreateDeploymentRequest, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            await BadJson(context, e, "{\"model\": \"classifier\", \"version\": \"2\", \"selector\": {\"site\": \"lobby\"}, \"waves\": [10, 50, 100]}").ConfigureAwait(false);
            return;
        }
        var defaults = context.RequestServices.GetRequiredService<IOptions<DeploymentOptions>>().Value;
        var spec = DeploymentSpec.Parse(request ?? new CreateDeploymentRequest(null, null, null, null, null, null, null, null, null), defaults.DefaultHealthTimeout);
        if (spec.Error is { } invalid)
        {
            await Problem(context, invalid).ConfigureAwait(false);
            return;
        }
        var created = await Coordinator(context).CreateAsync(spec.Value!, AuditLog.ActorOf(context), context.RequestAborted).ConfigureAwait(false);
        if (created.Error is { } refused)
        {
            await Problem(context, refused).ConfigureAwait(false);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location = $"/api/deployments/{created.Value}";
        await WriteDeploymentAsync(context, created.Value).ConfigureAwait(false);
    }

    private static async Task ListAsync(HttpContext context)
    {
        var db = await OpenAsync(context).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var all = await DeploymentViews.ListAsync(db, context.RequestAborted).ConfigureAwait(false);
            await AdminResults.Json(context, all, DeploymentJson.Default.DeploymentViewArray).ConfigureAwait(false);
        }
    }

    private static async Task GetAsync(HttpContext context)
    {
        if (!TryId(context, out var id))
        {
            await UnknownDeployment(context).ConfigureAwait(false);
            return;
        }
        await WriteDeploymentAsync(context, id).ConfigureAwait(false);
    }

    private static Task PauseAsync(HttpContext context) => ActAsync(context, (c, id, actor, ct) => c.PauseAsync(id, actor, ct));

    private static Task ResumeAsync(HttpContext context) => ActAsync(context, (c, id, actor, ct) => c.ResumeAsync(id, actor, ct));

    private static Task RollbackAsync(HttpContext context) => ActAsync(context, (c, id, actor, ct) => c.RollbackAsync(id, actor, ct));

    private static async Task ActAsync(HttpContext context, Func<RolloutCoordinator, long, string, CancellationToken, Task<AdminOutcome<long>>> act)
    {
        if (!TryId(context, out var id))
        {
            await UnknownDeployment(context).ConfigureAwait(false);
            return;
        }
        var outcome = await act(Coordinator(context), id, AuditLog.ActorOf(context), context.RequestAborted).ConfigureAwait(false);
        if (outcome.Error is { } refused)
        {
            await Problem(context, refused).ConfigureAwait(false);
            return;
        }
        await WriteDeploymentAsync(context, id).ConfigureAwait(false);
    }

    private static async Task PutConfigAsync(HttpContext context)
    {
        var deviceId = (string)context.Request.RouteValues["id"]!;
        Dictionary<string, JsonElement>? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync(context.Request.Body, DeploymentJson.Default.DictionaryStringJsonElement, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            await BadJson(context, e, "{\"Telemetry:SampleRate\": \"0.1\", \"Routing:Models:classifier:ConfidenceThreshold\": \"0.8\"}").ConfigureAwait(false);
            return;
        }
        var config = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in body ?? [])
        {
            if (TwinConfig.CheckKey(key) is { } badKey)
            {
                await Problem(context, new AdminError(StatusCodes.Status400BadRequest, "Bad config key", badKey)).ConfigureAwait(false);
                return;
            }
            if (TwinConfig.ValueText(value) is not { } text)
            {
                await Problem(context, new AdminError(StatusCodes.Status400BadRequest, "Bad config value",
                    $"the value of '{key}' must be a string, number or boolean (configuration values are text), not {value.ValueKind}")).ConfigureAwait(false);
                return;
            }
            config[key] = text;
        }
        var outcome = await Coordinator(context).SetConfigAsync(deviceId, config, AuditLog.ActorOf(context), context.RequestAborted).ConfigureAwait(false);
        await WriteDesired(context, outcome).ConfigureAwait(false);
    }

    private static async Task GetDesiredAsync(HttpContext context)
    {
        var deviceId = (string)context.Request.RouteValues["id"]!;
        await WriteDesired(context, await Coordinator(context).GetDesiredAsync(deviceId, context.RequestAborted).ConfigureAwait(false)).ConfigureAwait(false);
    }

    private static Task WriteDesired(HttpContext context, AdminOutcome<DesiredView> outcome) =>
        outcome.Error is { } error ? Problem(context, error) : AdminResults.Json(context, outcome.Value!, DeploymentJson.Default.DesiredView);

    private static async Task WriteDeploymentAsync(HttpContext context, long id)
    {
        var db = await OpenAsync(context).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            if (await DeploymentViews.GetAsync(db, id, context.RequestAborted).ConfigureAwait(false) is { } view)
            {
                await AdminResults.Json(context, view, DeploymentJson.Default.DeploymentView).ConfigureAwait(false);
            }
            else
            {
                await UnknownDeployment(context).ConfigureAwait(false);
            }
        }
    }

    private static bool TryId(HttpContext context, out long id) =>
        long.TryParse((string?)context.Request.RouteValues["id"], NumberStyles.None, CultureInfo.InvariantCulture, out id);

    private static Task UnknownDeployment(HttpContext context) =>
        AdminResults.Problem(context, StatusCodes.Status404NotFound, "Unknown deployment", $"no deployment '{context.Request.RouteValues["id"]}'");

    private static Task BadJson(HttpContext context, JsonException e, string example) =>
        AdminResults.Problem(context, StatusCodes.Status400BadRequest, "Bad JSON",
            $"the body is not the expected JSON ({e.Message.Split(" Path:", 2)[0]}{(e.Path is { Length: > 1 } path ? $" at {path}" : "")}); expected e.g. {example}");

    private static Task Problem(HttpContext context, AdminError error) => AdminResults.Problem(context, error.Status, error.Title, error.Detail);

    private static RolloutCoordinator Coordinator(HttpContext context) => context.RequestServices.GetRequiredService<RolloutCoordinator>();

    private static Task<HubDbContext> OpenAsync(HttpContext context) =>
        context.RequestServices.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync(context.RequestAborted);
}

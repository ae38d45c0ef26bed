using System.Globalization;
using System.Security.Claims;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Http;
using EdgeAi.Hub.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Deployments;

/// <summary>Admin REST routes of deployments: create, list, show, pause, resume, roll back.</summary>
internal static class DeploymentEndpoints
{
    public static IEndpointRouteBuilder MapDeploymentApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("/deployments", CreateAsync)
            .WithJsonExample("""{"model": "classifier", "version": "2", "selector": {"site": "lobby"}, "waves": [10, 50, 100]}""");
        api.MapGet("/deployments", ListAsync);
        api.MapGet("/deployments/{id}", GetAsync);
        api.MapPost("/deployments/{id}/pause", (string id, ClaimsPrincipal admin, RolloutCoordinator rollouts, IDbContextFactory<HubDbContext> store, CancellationToken ct) =>
            ActAsync(id, store, n => rollouts.PauseAsync(n, AuditLog.ActorOf(admin), ct), ct));
        api.MapPost("/deployments/{id}/resume", (string id, ClaimsPrincipal admin, RolloutCoordinator rollouts, IDbContextFactory<HubDbContext> store, CancellationToken ct) =>
            ActAsync(id, store, n => rollouts.ResumeAsync(n, AuditLog.ActorOf(admin), ct), ct));
        api.MapPost("/deployments/{id}/rollback", (string id, ClaimsPrincipal admin, RolloutCoordinator rollouts, IDbContextFactory<HubDbContext> store, CancellationToken ct) =>
            ActAsync(id, store, n => rollouts.RollbackAsync(n, AuditLog.ActorOf(admin), ct), ct));
        return api;
    }

    private static async Task<Results<Created<DeploymentView>, ProblemHttpResult>> CreateAsync(
        JsonBody<CreateDeploymentRequest> body, ClaimsPrincipal admin, RolloutCoordinator rollouts, IOptions<DeploymentOptions> options,
        IDbContextFactory<HubDbContext> store, CancellationToken cancellationToken)
    {
        var request = body.Value ?? new CreateDeploymentRequest(null, null, null, null, null, null, null, null, null);
        var spec = DeploymentSpec.Parse(request, options.Value.DefaultHealthTimeout);
        if (spec.Error is { } invalid)
        {
            return HubProblems.Of(invalid);
        }
        var created = await rollouts.CreateAsync(spec.Value!, AuditLog.ActorOf(admin), cancellationToken).ConfigureAwait(false);
        if (created.Error is { } refused)
        {
            return HubProblems.Of(refused);
        }
        return await ViewAsync(store, created.Value, cancellationToken).ConfigureAwait(false) is { } view
            ? TypedResults.Created($"/api/deployments/{created.Value}", view)
            : Unknown(created.Value.ToString(CultureInfo.InvariantCulture));
    }

    private static async Task<Ok<DeploymentView[]>> ListAsync(IDbContextFactory<HubDbContext> store, CancellationToken cancellationToken)
    {
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            return TypedResults.Ok(await DeploymentViews.ListAsync(db, cancellationToken).ConfigureAwait(false));
        }
    }

    private static async Task<Results<Ok<DeploymentView>, ProblemHttpResult>> GetAsync(string id, IDbContextFactory<HubDbContext> store, CancellationToken cancellationToken) =>
        TryId(id, out var number) && await ViewAsync(store, number, cancellationToken).ConfigureAwait(false) is { } view ? TypedResults.Ok(view) : Unknown(id);

    /// <summary>Pause, resume or roll back, then the deployment as it now stands.</summary>
    private static async Task<Results<Ok<DeploymentView>, ProblemHttpResult>> ActAsync(
        string id, IDbContextFactory<HubDbContext> store, Func<long, Task<Outcome<long>>> act, CancellationToken cancellationToken)
    {
        if (!TryId(id, out var number))
        {
            return Unknown(id);
        }
        var outcome = await act(number).ConfigureAwait(false);
        if (outcome.Error is { } refused)
        {
            return HubProblems.Of(refused);
        }
        return await ViewAsync(store, number, cancellationToken).ConfigureAwait(false) is { } view ? TypedResults.Ok(view) : Unknown(id);
    }

    private static async Task<DeploymentView?> ViewAsync(IDbContextFactory<HubDbContext> store, long id, CancellationToken cancellationToken)
    {
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            return await DeploymentViews.GetAsync(db, id, cancellationToken).ConfigureAwait(false);
        }
    }

    // Not a number is not a deployment: the same 404 as an unknown one.
    private static bool TryId(string id, out long number) => long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out number);

    private static ProblemHttpResult Unknown(string id) => HubProblems.Problem(StatusCodes.Status404NotFound, "Unknown deployment", $"no deployment '{id}'");
}

using EdgeAi.Agent.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EdgeAi.Agent.Rules;

/// <summary>
/// The local rules routes on the agent's REST listener: <c>GET /rules</c> (each rule, whether it is on and why
/// not, its counts and last result) and <c>POST /rules/{name}/fire</c> (fires it now, inside its hold-off too,
/// and answers with the result and latency; 404 for an unknown rule, 409 for a rule that is off).
/// </summary>
internal static class RulesEndpoints
{
    public static IEndpointRouteBuilder MapRules(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/rules", List);
        app.MapPost("/rules/{name}/fire", Fire);
        return app;
    }

    private static Task List(HttpContext context)
    {
        var engine = context.RequestServices.GetRequiredService<RuleEngine>();
        var metrics = context.RequestServices.GetRequiredService<RuleMetrics>();
        var views = engine.Rules.Select(r =>
        {
            var (fires, skips, failures) = metrics.Totals(r.Name);
            return new RuleView(r.Name, r.IsOn ? "on" : "off", r.OffReason, r.DescribeTrigger(), string.IsNullOrEmpty(r.Options.Target) ? null : r.Options.Target,
                r.DescribeCondition(), r.DescribeActions(), fires, skips, failures, r.Last is { } last ? RuleResultView.From(last) : null);
        }).ToArray();
        return LocalApi.JsonAsync(context, 200, views, RulesJson.Default.RuleViewArray);
    }

    private static async Task Fire(HttpContext context)
    {
        var name = (string)context.Request.RouteValues["name"]!;
        try
        {
            LocalApi.RequireLocalControl(context, "firing a rule");
        }
        catch (LocalApiException e)
        {
            await LocalApi.ProblemAsync(context, e.Status, e.Message).ConfigureAwait(false);
            return;
        }
        var engine = context.RequestServices.GetRequiredService<RuleEngine>();
        if (engine.Find(name) is not { } rule)
        {
            var known = engine.Rules.Count == 0 ? "this agent has no rules (Rules:*)" : "rules: " + string.Join(", ", engine.Rules.Select(r => r.Name));
            await LocalApi.ProblemAsync(context, StatusCodes.Status404NotFound, $"no rule '{name}' ({known})").ConfigureAwait(false);
            return;
        }
        if (!rule.IsOn)
        {
            await LocalApi.ProblemAsync(context, StatusCodes.Status409Conflict, $"rule '{rule.Name}' is off: {rule.OffReason}").ConfigureAwait(false);
            return;
        }
        try
        {
            var result = await engine.FireAsync(rule.Name, context.RequestAborted).ConfigureAwait(false);
            await LocalApi.JsonAsync(context, 200, RuleResultView.From(result!), RulesJson.Default.RuleResultView).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away; the fire finishes without it.
        }
    }
}

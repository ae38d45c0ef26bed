using System.Diagnostics;
using EdgeAi.Serving.Tracing;

namespace EdgeAi.Agent.Tracing;

/// <summary>
/// The agent's spans (source <c>EdgeAi.Agent</c>): the router's decision per request, the call to the hub, a
/// rule's run. The request's own span is ASP.NET Core's, and a model run's is <see cref="ServingActivities"/>'.
/// </summary>
internal static class AgentActivities
{
    public const string SourceName = "EdgeAi.Agent";

    public static readonly ActivitySource Source = new(SourceName);

    public static Activity? StartRoute(string model, string? requested)
    {
        var activity = Source.StartActivity("route " + model);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(TraceTags.Model, model);
            activity.SetTag(TraceTags.RouteRequested, string.IsNullOrEmpty(requested) ? "auto" : requested);
        }
        return activity;
    }

    /// <summary>The inference call to the hub: a client span, the parent of the HTTP/2 request that carries its traceparent.</summary>
    public static Activity? StartHubCall(string method, string model, Uri? hub)
    {
        var activity = Source.StartActivity("hub " + method, ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(TraceTags.RpcSystem, "grpc");
            activity.SetTag(TraceTags.RpcService, "inference.GRPCInferenceService");
            activity.SetTag(TraceTags.RpcMethod, method);
            activity.SetTag(TraceTags.Model, model);
            activity.SetTag(TraceTags.ServerAddress, hub?.Host);
        }
        return activity;
    }

    public static Activity? StartRule(string rule)
    {
        var activity = Source.StartActivity("rule " + rule);
        activity?.SetTag(TraceTags.Rule, rule);
        return activity;
    }

    /// <summary>The decision the rules took, in the tag's words.</summary>
    public static string Name(this Routing.RouteKind kind) => kind switch
    {
        Routing.RouteKind.Local => "local",
        Routing.RouteKind.Cloud => "cloud",
        Routing.RouteKind.CloudFirst => "cloud_first",
        Routing.RouteKind.LocalFirst => "local_first",
        _ => "escalate",
    };
}

using System.Diagnostics;
using EdgeAi.Common.Sync;
using EdgeAi.Serving.Tracing;

namespace EdgeAi.Hub.Tracing;

/// <summary>
/// The hub's spans (source <c>EdgeAi.Hub</c>): a request's wait in a model's batcher, the batch run, and the ingest
/// of a device's MQTT message. The inference request's own span is ASP.NET Core's (the parent the device's
/// traceparent names), and a model run's is <see cref="ServingActivities"/>'.
/// </summary>
internal static class HubActivities
{
    public const string SourceName = "EdgeAi.Hub";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>One request's time in its model's batcher, from queueing to its answer; a child of the request.</summary>
    public static Activity? StartQueued(string model)
    {
        var activity = Source.StartActivity("batcher " + model);
        activity?.SetTag(TraceTags.Model, model);
        return activity;
    }

    /// <summary>
    /// One batch run: a root span of its own, linked to each request it serves (a batch belongs to no single
    /// request's trace; as the child of one it would charge that trace with the others' work).
    /// </summary>
    public static Activity? StartBatch(string model, IEnumerable<ActivityContext> requests, int rows)
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        var links = requests.Where(c => c != default).Select(c => new ActivityLink(c)).ToList();
        Detach();
        var activity = Source.StartActivity(ActivityKind.Internal, parentContext: default, links: links, name: "batch " + model);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(TraceTags.Model, model);
            activity.SetTag(TraceTags.BatchSize, links.Count);
            activity.SetTag(TraceTags.BatchRows, rows);
        }
        return activity;
    }

    /// <summary>
    /// The ingest of one device message: a consumer span, the child of the first record's trace context and linked
    /// to every record's (<see cref="TraceContextProperties"/>); a root span when the records carried none.
    /// </summary>
    public static Activity? StartIngest(string deviceId, string topic, string leaf, TraceContexts contexts)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        if (!Source.HasListeners())
        {
            return null;
        }
        var links = contexts.Links.Select(c => new ActivityLink(c));
        Detach();
        var activity = Source.StartActivity(ActivityKind.Consumer, contexts.Parent ?? default, links: links, name: "ingest " + leaf);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(TraceTags.MessagingSystem, "mqtt");
            activity.SetTag(TraceTags.MessagingOperation, "process");
            activity.SetTag(TraceTags.MessagingDestination, topic);
            activity.SetTag(TraceTags.Device, deviceId);
            activity.SetTag(TraceTags.Stream, leaf);
        }
        return activity;
    }

    /// <summary>
    /// A default parent context means "the current activity": whatever the loop's execution context carried (the
    /// request that happened to start a batcher, say) must not adopt the span. Called from async methods, whose
    /// callers get their own current activity back when the method completes.
    /// </summary>
    private static void Detach() => Activity.Current = null;
}

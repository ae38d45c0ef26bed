using System.Diagnostics;
using EdgeAi.Serving.Runtime;

namespace EdgeAi.Serving.Tracing;

/// <summary>
/// The serving code's spans (source <c>EdgeAi.Serving</c>): one per ONNX Runtime run, on the agent's device and
/// in the hub alike. With tracing off nothing listens, and starting a span is a null check.
/// </summary>
public static class ServingActivities
{
    public const string SourceName = "EdgeAi.Serving";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>A model run; <paramref name="merged"/> is how many requests a batcher merged into it (null: not batched).</summary>
    internal static Activity? StartRun(ModelInstance instance, int? merged)
    {
        var activity = Source.StartActivity("run " + instance.Name);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(TraceTags.Model, instance.Name);
            activity.SetTag(TraceTags.ModelVersion, instance.Version);
            activity.SetTag(TraceTags.ExecutionProvider, instance.ExecutionProvider);
            if (merged is { } count)
            {
                activity.SetTag(TraceTags.BatchSize, count);
            }
        }
        return activity;
    }

    /// <summary>Marks a span failed with the error's message (what an operator reads in the trace view).</summary>
    public static void Failed(this Activity? activity, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        activity?.SetStatus(ActivityStatusCode.Error, error.Message);
        activity?.SetTag("error.type", error is InferenceException ie ? ie.Error.ToString() : error.GetType().Name);
    }
}

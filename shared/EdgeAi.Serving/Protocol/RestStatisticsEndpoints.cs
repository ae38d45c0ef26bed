using System.Text.Json;
using EdgeAi.Common.Inference;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Statistics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.Serving.Protocol;

/// <summary>The statistics extension over REST: GET /v2/models[/{name}[/versions/{version}]]/stats, with Triton's JSON member names.</summary>
public static class RestStatisticsEndpoints
{
    public static IEndpointRouteBuilder MapStatisticsRest(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/v2/models/stats", Statistics);
        endpoints.MapGet("/v2/models/{name}/stats", Statistics);
        endpoints.MapGet("/v2/models/{name}/versions/{version}/stats", Statistics);
        return endpoints;
    }

    private static Task Statistics(HttpContext context) => RestInferenceEndpoints.Guard(context, () =>
    {
        var name = context.Request.RouteValues["name"] as string;
        var version = context.Request.RouteValues["version"] as string;
        var report = StatisticsReport.For(context.RequestServices.GetRequiredService<ModelHost>(), name, version);
        return RestInferenceEndpoints.Json(context, 200, w => Write(w, report));
    });

    private static void Write(Utf8JsonWriter w, ModelStatisticsResponse report)
    {
        w.WriteStartObject();
        w.WriteStartArray("model_stats");
        foreach (var model in report.ModelStats)
        {
            w.WriteStartObject();
            w.WriteString("name", model.Name);
            w.WriteString("version", model.Version);
            w.WriteNumber("last_inference", model.LastInference);
            w.WriteNumber("inference_count", model.InferenceCount);
            w.WriteNumber("execution_count", model.ExecutionCount);
            var stats = model.InferenceStats;
            w.WriteStartObject("inference_stats");
            Duration(w, "success", stats.Success);
            Duration(w, "fail", stats.Fail);
            Duration(w, "queue", stats.Queue);
            Duration(w, "compute_input", stats.ComputeInput);
            Duration(w, "compute_infer", stats.ComputeInfer);
            Duration(w, "compute_output", stats.ComputeOutput);
            Duration(w, "cache_hit", stats.CacheHit);
            Duration(w, "cache_miss", stats.CacheMiss);
            w.WriteEndObject();
            w.WriteStartObject("response_stats");
            w.WriteEndObject();
            w.WriteStartArray("batch_stats");
            foreach (var batch in model.BatchStats)
            {
                w.WriteStartObject();
                w.WriteNumber("batch_size", batch.BatchSize);
                Duration(w, "compute_input", batch.ComputeInput);
                Duration(w, "compute_infer", batch.ComputeInfer);
                Duration(w, "compute_output", batch.ComputeOutput);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("memory_usage");
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Duration(Utf8JsonWriter w, string name, StatisticDuration? duration)
    {
        w.WriteStartObject(name);
        w.WriteNumber("count", duration?.Count ?? 0);
        w.WriteNumber("ns", duration?.Ns ?? 0);
        w.WriteEndObject();
    }
}

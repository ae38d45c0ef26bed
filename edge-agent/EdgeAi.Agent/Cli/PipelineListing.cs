using EdgeAi.Agent.Pipelines;
using EdgeAi.Serving.Store;

namespace EdgeAi.Agent.Cli;

/// <summary>
/// The pipelines part of <c>edge-agent models list</c>: each pipeline configured locally (<c>Pipelines:*</c>), the
/// model it needs and whether that model is in the store, or why its settings would stop the agent at start.
/// Read offline, as the rest of the listing: whether the hub has the model is for the running agent to say
/// (<c>GET /v2/models/{pipeline}</c>, the reported state).
/// </summary>
internal static class PipelineListing
{
    public static PipelinesOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new PipelinesOptions();
        // Bound as AddPipelines binds it, so the listing shows what the agent would run.
        configuration.GetSection(PipelinesOptions.Section).Bind(options.Pipelines);
        return options;
    }

    public static int Write(TextWriter output, PipelinesOptions options, ModelStore store, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        if (options.Pipelines.Count == 0)
        {
            return 0;
        }
        var installed = store.List().Where(m => m.Manifest is not null).ToLookup(m => m.Name, m => m.Version, StringComparer.Ordinal);
        output.WriteLine();
        output.WriteLine($"{"PIPELINE",-24} {"MODEL",-32} STATE");
        foreach (var (name, pipeline) in options.Pipelines.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var model = pipeline.ModelVersion is { } pinned ? $"{pipeline.Model} v{pinned}" : pipeline.Model;
            output.WriteLine($"{name,-24} {model,-32} {State(name, pipeline, installed[pipeline.Model].ToList(), dataDirectory)}");
        }
        return 0;
    }

    private static string State(string name, PipelineOptions pipeline, List<string> versions, string dataDirectory)
    {
        var errors = PipelinesOptionsValidator.Check(name, pipeline, dataDirectory).ToList();
        if (errors.Count > 0)
        {
            return $"invalid settings, the agent will not start: {string.Join(" ", errors)}";
        }
        if (versions.Count == 0)
        {
            return "model not installed: served through the hub if it has the model, else not ready";
        }
        if (pipeline.ModelVersion is { } pinned && !versions.Contains(pinned, StringComparer.Ordinal))
        {
            return $"version {pinned} not installed (installed: {string.Join(", ", versions)}): served through the hub if it has it, else not ready";
        }
        return $"model installed ({string.Join(", ", versions.Select(v => "v" + v))}); image in: {pipeline.Resize.Width} × {pipeline.Resize.Height} {pipeline.Normalize.Layout.ToString().ToUpperInvariant()} {pipeline.Normalize.Datatype.ToString().ToUpperInvariant()}";
    }
}

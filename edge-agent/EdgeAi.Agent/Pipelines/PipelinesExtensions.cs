using EdgeAi.Agent.SyncDown;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Pipelines;

internal static class PipelinesExtensions
{
    /// <summary>
    /// Image pipelines (<c>Pipelines:{name}</c>, validated at start) and the backend that serves them beside the
    /// models; the agent's protocol endpoints serve through <see cref="PipelineBackend"/>.
    /// </summary>
    public static IHostApplicationBuilder AddPipelines(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PipelinesOptions>()
            .Configure<IConfiguration>((options, configuration) => configuration.GetSection(PipelinesOptions.Section).Bind(options.Pipelines))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PipelinesOptions>, PipelinesOptionsValidator>();
        services.AddSingleton<PipelineCatalog>();
        services.AddSingleton<PipelineBackend>();
        services.AddSingleton<IReportedStateSource, PipelinesReportSource>();
        services.AddHostedService<PipelineStartupCheck>();
        return builder;
    }
}

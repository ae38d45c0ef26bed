using EdgeAi.Serving;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Batching;

/// <summary>Registers the hub's inference backend: the model host with dynamic batching.</summary>
internal static class BatchingExtensions
{
    public static IHostApplicationBuilder AddDynamicBatching(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<BatchingOptions>().BindConfiguration(BatchingOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BatchingOptions>, BatchingOptionsValidator>();
        services.AddSingleton<BatchingMetrics>();
        services.AddSingleton<BatchingBackend>();
        services.AddSingleton<IInferenceBackend>(sp => sp.GetRequiredService<BatchingBackend>());
        // Its start and stop bound the batchers' loops.
        services.AddHostedService(sp => sp.GetRequiredService<BatchingBackend>());
        return builder;
    }
}

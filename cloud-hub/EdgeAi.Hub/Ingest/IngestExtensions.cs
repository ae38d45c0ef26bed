namespace EdgeAi.Hub.Ingest;

/// <summary>Registers ingest: the single store writer (group commit) and the parse-and-store path both broker modes share.</summary>
internal static class IngestExtensions
{
    public static IHostApplicationBuilder AddIngest(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddSingleton<IngestMetrics>();
        services.AddSingleton<IngestWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<IngestWriter>());
        services.AddSingleton<MessageIngest>();
        return builder;
    }
}

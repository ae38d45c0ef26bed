using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Diagnostics;

internal static class DiagnosticsExtensions
{
    /// <summary>The running agent's periodic checks (Agent:Check), reported to the hub as events.</summary>
    public static IHostApplicationBuilder AddDiagnostics(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<CheckOptions>().BindConfiguration(CheckOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CheckOptions>, CheckOptionsValidator>();
        services.AddSingleton<PeriodicCheckService>();
        services.AddHostedService(sp => sp.GetRequiredService<PeriodicCheckService>());
        return builder;
    }
}

using EdgeAi.Agent.Gpio;
using EdgeAi.Agent.SyncDown;
using EdgeAi.Agent.Telemetry;
using EdgeAi.Agent.Twin;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Rules;

internal static class RulesExtensions
{
    /// <summary>
    /// The rules engine: the Rules section (validated on start against the GPIO configuration, and read live: the
    /// twin sets Rules:*), the runner, webhook clients, and the engine's place on /metrics, in telemetry, in the
    /// reported state, among the hub's command handlers and as the indicators' rule activity.
    /// </summary>
    public static IHostApplicationBuilder AddRules(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RulesOptions>()
            .Configure<IConfiguration>((rules, configuration) => configuration.GetSection(RulesOptions.Section).Bind(rules.Rules))
            .ValidateOnStart();
        services.AddSingleton<IOptionsChangeTokenSource<RulesOptions>>(sp => new ConfigurationChangeTokenSource<RulesOptions>(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton<IValidateOptions<RulesOptions>, RulesOptionsValidator>();
        services.AddHttpClient(RuleEngine.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan); // each attempt has its own timeout
        services.AddSingleton<RuleMetrics>();
        services.AddSingleton<IMetricsSource>(sp => sp.GetRequiredService<RuleMetrics>());
        services.AddSingleton<ITelemetrySource>(sp => sp.GetRequiredService<RuleMetrics>());
        services.AddSingleton<IRuleActivity>(sp => sp.GetRequiredService<RuleMetrics>());
        services.AddSingleton<RuleRunner>();
        services.AddSingleton<RuleEngine>();
        services.AddHostedService(sp => sp.GetRequiredService<RuleEngine>());
        services.AddSingleton<IDeviceCommandHandler>(sp => sp.GetRequiredService<RuleEngine>());
        services.AddSingleton<IReportedStateSource, RulesReportSource>();
        services.AddSingleton<ILiveConfigSection, RulesLiveSection>();
        return builder;
    }
}

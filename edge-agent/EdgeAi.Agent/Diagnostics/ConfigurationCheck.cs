using EdgeAi.Common.Diagnostics;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Diagnostics;

/// <summary>
/// The configuration as <c>run</c> would start with it: the host is built exactly as <c>run</c> builds it
/// (same layers, same identity) and every options validator it registers with ValidateOnStart runs,
/// without starting anything. A failure names the key and what it must be.
/// </summary>
internal sealed class ConfigurationCheck(IServiceProvider services) : IDiagnosticCheck
{
    public const string Id = "configuration";
    public const string Fix = "correct the key named above in appsettings.json, an EDGEAI_ environment variable or the hub's desired configuration";

    public Task<IReadOnlyList<CheckResult>> RunAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<CheckResult>>([Run()]);

    private CheckResult Run()
    {
        var failures = Failures(services);
        return failures.Count == 0
            ? CheckResult.Ok(Id, "every section is valid (Agent, ModelHost, Cloud, Uplink, Outbox, Routing, Telemetry, Gpio, Rules, Pipelines, …)")
            : CheckResult.Fail(Id, string.Join("; ", failures), Fix);
    }

    /// <summary>What the start-up validation would refuse, one message per failure (empty: it would start).</summary>
    public static IReadOnlyList<string> Failures(IServiceProvider services)
    {
        try
        {
            services.GetRequiredService<IStartupValidator>().Validate();
            return [];
        }
        catch (Exception e) when (e is OptionsValidationException or AggregateException or InvalidOperationException)
        {
            return [.. Flatten(e).Select(Describe)];
        }
    }

    private static System.Collections.ObjectModel.ReadOnlyCollection<Exception> Flatten(Exception e) => e is AggregateException aggregate ? aggregate.Flatten().InnerExceptions : new([e]);

    // OptionsValidationException names the options class; its failures name the member ("BatchSize: The field …").
    private static string Describe(Exception e)
    {
        if (e is not OptionsValidationException options)
        {
            return e.Message;
        }
        var section = options.OptionsType.Name.Replace("Options", "", StringComparison.Ordinal);
        return string.Join("; ", options.Failures.Select(f => f.StartsWith(section + ":", StringComparison.Ordinal) ? f : $"{section}:{f}"));
    }
}

using EdgeAi.Common.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeAi.Serving.Diagnostics;

/// <summary>
/// The configuration as <c>run</c> would start with it: the caller builds the host's services as <c>run</c>
/// does (same layers) and every options validator registered with ValidateOnStart runs, without starting anything. A failure names the key and what it must be.
/// </summary>
public sealed class ConfigurationCheck(IServiceProvider services, string sections, string fix) : IDiagnosticCheck
{
    public const string Id = "configuration";

    public Task<IReadOnlyList<CheckResult>> RunAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<CheckResult>>([Run()]);

    private CheckResult Run()
    {
        var failures = Failures(services);
        return failures.Count == 0
            ? CheckResult.Ok(Id, $"every section is valid ({sections})")
            : CheckResult.Fail(Id, string.Join("; ", failures), fix);
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

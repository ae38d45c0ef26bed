using Microsoft.Extensions.Options;
using System.ComponentModel.DataAnnotations;

namespace EdgeAi.Hub.Dashboard;

/// <summary>How the dashboard judges devices.</summary>
internal sealed class DashboardOptions : IValidatableObject
{
    public const string Section = "Hub:Dashboard";

    /// <summary>An online device not heard from for longer than this is shown "stale".</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The window of telemetry the request counts and fallback rate are taken over.</summary>
    public TimeSpan FallbackWindow { get; set; } = TimeSpan.FromHours(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (StaleAfter < TimeSpan.FromSeconds(1))
        {
            yield return new ValidationResult($"Hub:Dashboard:StaleAfter {StaleAfter} must be at least 00:00:01.", [nameof(StaleAfter)]);
        }
        if (FallbackWindow < TimeSpan.FromMinutes(1) || FallbackWindow > TimeSpan.FromDays(7))
        {
            yield return new ValidationResult($"Hub:Dashboard:FallbackWindow {FallbackWindow} must be between 00:01:00 and 7.00:00:00.", [nameof(FallbackWindow)]);
        }
    }
}

[OptionsValidator]
internal sealed partial class DashboardOptionsValidator : IValidateOptions<DashboardOptions>;

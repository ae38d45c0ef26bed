using Microsoft.Extensions.Options;
using System.ComponentModel.DataAnnotations;

namespace EdgeAi.Agent.Diagnostics;

/// <summary>The running agent's own checks (<see cref="PeriodicCheckService"/>): whether they run, and how often.</summary>
internal sealed class CheckOptions : IValidatableObject
{
    public const string Section = "Agent:Check";

    /// <summary>Run the checks at start and every <see cref="Interval"/>, and send the report to the hub as a <c>check</c> event.</summary>
    public bool Enabled { get; set; } = true;

    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(6);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Interval < TimeSpan.FromMinutes(1) || Interval > TimeSpan.FromDays(7))
        {
            yield return new ValidationResult($"Agent:Check:Interval {Interval} must be between 00:01:00 and 7.00:00:00.", [nameof(Interval)]);
        }
    }
}

[OptionsValidator]
internal sealed partial class CheckOptionsValidator : IValidateOptions<CheckOptions>;

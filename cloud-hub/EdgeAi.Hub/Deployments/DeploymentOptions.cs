using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Deployments;

/// <summary>The rollout controller: <c>Hub:Deployments</c>.</summary>
internal sealed class DeploymentOptions : IValidatableObject
{
    public const string Section = "Hub:Deployments";

    /// <summary>How often the controller reads device reports and advances deployments.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Health timeout of a deployment created without one.</summary>
    public TimeSpan DefaultHealthTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Most device report records read per controller tick (the rest wait for the next one).</summary>
    [Range(1, 100_000)]
    public int MaxRecordsPerTick { get; set; } = 5_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PollInterval < TimeSpan.FromMilliseconds(10) || PollInterval > TimeSpan.FromMinutes(1))
        {
            yield return new ValidationResult($"PollInterval {PollInterval} must be from 00:00:00.010 to 00:01:00.", [nameof(PollInterval)]);
        }
        if (DefaultHealthTimeout < DeploymentSpec.MinHealthTimeout || DefaultHealthTimeout > DeploymentSpec.MaxHealthTimeout)
        {
            yield return new ValidationResult(
                $"DefaultHealthTimeout {DefaultHealthTimeout} must be from {DeploymentSpec.MinHealthTimeout} to {DeploymentSpec.MaxHealthTimeout}.", [nameof(DefaultHealthTimeout)]);
        }
    }
}

[OptionsValidator]
internal sealed partial class DeploymentOptionsValidator : IValidateOptions<DeploymentOptions>;

using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Leadership;

/// <summary>The leader lease of hub replicas on one PostgreSQL store: <c>Hub:Lease</c>.</summary>
internal sealed class LeaseOptions : IValidatableObject
{
    public const string Section = "Hub:Lease";

    public static readonly TimeSpan MinDuration = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxDuration = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a holding lasts without renewal: the longest a killed leader's work waits for another
    /// replica. Renewed every third of it, so a renewal may fail once and the next still be in time.
    /// </summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>This replica's name in the lease; empty: host name, process id and a random suffix (unique per start).</summary>
    public string? Holder { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Duration < MinDuration || Duration > MaxDuration)
        {
            yield return new ValidationResult($"Duration {Duration} must be from {MinDuration} to {MaxDuration}.", [nameof(Duration)]);
        }
        if (Holder is { Length: > 100 })
        {
            yield return new ValidationResult($"Holder must be at most 100 characters (it has {Holder.Length}).", [nameof(Holder)]);
        }
    }
}

[OptionsValidator]
internal sealed partial class LeaseOptionsValidator : IValidateOptions<LeaseOptions>;

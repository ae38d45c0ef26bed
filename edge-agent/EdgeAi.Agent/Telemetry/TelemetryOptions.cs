using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Telemetry;

/// <summary>How individual requests reach the hub besides the per-model aggregates.</summary>
internal enum InferenceRecordMode
{
    /// <summary>Only the per-model counts and latency histogram in each telemetry record.</summary>
    Aggregated,

    /// <summary>Also one inference record per sampled request (share = SampleRate).</summary>
    Sampled,
}

/// <summary>What the agent reports about itself, and how often.</summary>
internal sealed class TelemetryOptions : IValidatableObject
{
    public const string Section = "Telemetry";

    /// <summary>One telemetry record (per-model counts, device health, outbox depth) per interval.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    public InferenceRecordMode InferenceRecords { get; set; } = InferenceRecordMode.Aggregated;

    /// <summary>Share of requests recorded one by one when InferenceRecords is Sampled.</summary>
    [Range(0.0, 1.0)]
    public double SampleRate { get; set; } = 0.01;

    /// <summary>Sampled records waiting in memory for the outbox writer; past this they are dropped and counted.</summary>
    [Range(16, 1_000_000)]
    public int SampleQueue { get; set; } = 10_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Interval < TimeSpan.FromMilliseconds(50) || Interval > TimeSpan.FromDays(1))
        {
            yield return new ValidationResult($"Telemetry:Interval {Interval} must be between 00:00:00.05 and 1.00:00:00.", [nameof(Interval)]);
        }
    }
}

[OptionsValidator]
internal sealed partial class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>;

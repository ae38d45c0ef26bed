using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Cloud;

/// <summary>How the agent reaches the hub it falls back to, and how hard it tries.</summary>
internal sealed class CloudOptions : IValidatableObject
{
    public const string Section = "Cloud";

    /// <summary>The hub (or any Open Inference Protocol server), e.g. https://hub.example:5001. Empty: no cloud fallback.</summary>
    public string? HubUrl { get; set; }

    /// <summary>This device's bearer key at the hub.</summary>
    public string? DeviceKey { get; set; }

    /// <summary>PEM file of the CA that signed the hub's certificate (for the hub's self-signed certificate: its hub-ca.crt).</summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>SHA-256 of the hub's certificate (hex, colons allowed): accept exactly that certificate.</summary>
    public string? CertificateFingerprint { get; set; }

    /// <summary>Development only: accept any certificate the hub presents.</summary>
    public bool AllowUntrustedCertificate { get; set; }

    /// <summary>Time one attempt may take before it is abandoned.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(2);

    [Range(0, 10)]
    public int MaxRetries { get; set; } = 2;

    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Share of failed calls within SamplingDuration that opens the circuit.</summary>
    [Range(0.01, 1.0)]
    public double FailureRatio { get; set; } = 0.5;

    [Range(2, 1000)]
    public int MinimumThroughput { get; set; } = 4;

    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the circuit stays open (calls fail at once) before one trial call is let through.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    public bool Enabled => !string.IsNullOrWhiteSpace(HubUrl);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }
        if (!Uri.TryCreate(HubUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            yield return new ValidationResult($"Cloud:HubUrl '{HubUrl}' must be an absolute https:// (or, for development, http://) address.", [nameof(HubUrl)]);
        }
        if (CaCertificatePath is { Length: > 0 } ca && !File.Exists(ca))
        {
            yield return new ValidationResult($"Cloud:CaCertificatePath '{ca}' does not exist.", [nameof(CaCertificatePath)]);
        }
        if (AttemptTimeout < TimeSpan.FromMilliseconds(10) || AttemptTimeout > TimeSpan.FromMinutes(5))
        {
            yield return new ValidationResult($"Cloud:AttemptTimeout {AttemptTimeout} must be between 10 ms and 5 minutes.", [nameof(AttemptTimeout)]);
        }
        if (BreakDuration < TimeSpan.FromMilliseconds(500) || SamplingDuration < TimeSpan.FromMilliseconds(500))
        {
            yield return new ValidationResult("Cloud:BreakDuration and Cloud:SamplingDuration must be at least 00:00:00.5 (Polly's minimum).", [nameof(BreakDuration)]);
        }
    }
}

[OptionsValidator]
internal sealed partial class CloudOptionsValidator : IValidateOptions<CloudOptions>;

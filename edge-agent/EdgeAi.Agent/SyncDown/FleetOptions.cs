using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.SyncDown;

/// <summary>How the agent follows the hub's desired models: download, verification and smoke test.</summary>
internal sealed class FleetOptions : IValidatableObject
{
    public const string Section = "Fleet";
    public const string SigningKeyFileName = "model-signing.pub";

    /// <summary>PEM of the hub's model-signing public key. Default: {DataDirectory}/model-signing.pub (written by edge-agent enroll).</summary>
    public string? SigningKeyPath { get; set; }

    /// <summary>Refuse artifacts without a valid signature from the hub. Turn off only for development.</summary>
    public bool RequireSignature { get; set; } = true;

    /// <summary>Longest one download attempt may take; a cut or slow attempt resumes from where it stopped.</summary>
    public TimeSpan DownloadAttemptTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Attempts without progress before a download is given up until the next retry round.</summary>
    [Range(1, 100)]
    public int MaxDownloadAttempts { get; set; } = 5;

    /// <summary>First wait before retrying a failed attempt or round; doubles each time, with jitter.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between retries.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A smoke inference slower than this fails the new version (the previous one keeps serving).</summary>
    public TimeSpan SmokeTestMaxLatency { get; set; } = TimeSpan.FromSeconds(10);

    public string SigningKeyPathFor(string dataDirectory) =>
        string.IsNullOrWhiteSpace(SigningKeyPath) ? Path.Combine(dataDirectory, SigningKeyFileName) : SigningKeyPath;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DownloadAttemptTimeout < TimeSpan.FromSeconds(1) || DownloadAttemptTimeout > TimeSpan.FromDays(1))
        {
            yield return new ValidationResult($"Fleet:DownloadAttemptTimeout {DownloadAttemptTimeout} must be between 00:00:01 and 1.00:00:00.", [nameof(DownloadAttemptTimeout)]);
        }
        if (RetryDelay < TimeSpan.FromMilliseconds(10) || RetryDelay > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult($"Fleet:RetryDelay {RetryDelay} must be between 00:00:00.01 and 01:00:00.", [nameof(RetryDelay)]);
        }
        if (MaxRetryDelay < RetryDelay || MaxRetryDelay > TimeSpan.FromDays(1))
        {
            yield return new ValidationResult($"Fleet:MaxRetryDelay {MaxRetryDelay} must be at least Fleet:RetryDelay ({RetryDelay}) and at most 1.00:00:00.", [nameof(MaxRetryDelay)]);
        }
        if (SmokeTestMaxLatency <= TimeSpan.Zero || SmokeTestMaxLatency > TimeSpan.FromMinutes(10))
        {
            yield return new ValidationResult($"Fleet:SmokeTestMaxLatency {SmokeTestMaxLatency} must be above zero and at most 00:10:00.", [nameof(SmokeTestMaxLatency)]);
        }
    }
}

[OptionsValidator]
internal sealed partial class FleetOptionsValidator : IValidateOptions<FleetOptions>;

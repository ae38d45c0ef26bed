using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Batching;

/// <summary>
/// Dynamic batching: concurrent requests for one model whose first dimension is a batch dimension
/// are merged, up to MaxBatchSize rows, waiting at most MaxQueueDelay for company. Per-model
/// settings under Batching:Models:{name} override the defaults.
/// </summary>
internal sealed class BatchingOptions : IValidatableObject
{
    public const string Section = "Batching";

    public bool Enabled { get; set; } = true;

    [Range(1, 4096)]
    public int MaxBatchSize { get; set; } = 8;

    public TimeSpan MaxQueueDelay { get; set; } = TimeSpan.FromMilliseconds(5);

    public IDictionary<string, ModelBatchingOptions> Models { get; } = new Dictionary<string, ModelBatchingOptions>(StringComparer.Ordinal);

    public (bool Enabled, int MaxBatchSize, TimeSpan MaxQueueDelay) For(string model) =>
        Models.TryGetValue(model, out var m)
            ? (m.Enabled ?? Enabled, m.MaxBatchSize ?? MaxBatchSize, m.MaxQueueDelay ?? MaxQueueDelay)
            : (Enabled, MaxBatchSize, MaxQueueDelay);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, delay) in Models.Select(kv => (kv.Key, kv.Value.MaxQueueDelay)).Append(("default", MaxQueueDelay)))
        {
            if (delay is { } d && (d < TimeSpan.Zero || d > TimeSpan.FromSeconds(10)))
            {
                yield return new ValidationResult($"MaxQueueDelay for {name} is {d}; use 0 to 10 seconds.", [nameof(MaxQueueDelay)]);
            }
        }
        foreach (var (name, model) in Models)
        {
            if (model.MaxBatchSize is < 1)
            {
                yield return new ValidationResult($"Batching:Models:{name}:MaxBatchSize must be at least 1.", [nameof(Models)]);
            }
        }
    }
}

internal sealed class ModelBatchingOptions
{
    public bool? Enabled { get; set; }

    public int? MaxBatchSize { get; set; }

    public TimeSpan? MaxQueueDelay { get; set; }
}

[OptionsValidator]
internal sealed partial class BatchingOptionsValidator : IValidateOptions<BatchingOptions>;

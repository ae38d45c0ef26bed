using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EdgeAi.Serving.Runtime;

/// <summary>How models are run: the execution-provider chain, threads and request limits.</summary>
public sealed class ModelHostOptions : IValidatableObject
{
    public const string Section = "ModelHost";

    /// <summary>
    /// Providers to try, in order; the first that starts runs the model. Names: DirectML, CUDA,
    /// TensorRT, OpenVINO, CPU. CPU is always available and is appended when missing.
    /// Empty means the default chain, DirectML → CUDA → CPU. (Defaults are not put in the list
    /// itself because configuration binding appends to a list instead of replacing it.)
    /// </summary>
    public IList<string> ExecutionProviders { get; } = [];

    /// <summary>GPU or adapter index for DirectML, CUDA and TensorRT.</summary>
    [Range(0, 64)]
    public int DeviceId { get; set; }

    /// <summary>Threads one inference uses; 0 lets ONNX Runtime use one per physical core.</summary>
    [Range(0, 1024)]
    public int IntraOpThreads { get; set; }

    [Range(0, 1024)]
    public int InterOpThreads { get; set; }

    /// <summary>Inferences one model runs at once; more wait in its queue. 0: no limit.</summary>
    [Range(0, 1024)]
    public int MaxConcurrentRunsPerModel { get; set; }

    /// <summary>Largest request accepted, in bytes (gRPC message or REST body, and any one input tensor).</summary>
    [Range(1024, int.MaxValue)]
    public int MaxRequestBytes { get; set; } = 64 * 1024 * 1024;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var name in ExecutionProviders)
        {
            if (!SessionFactory.KnownProviders.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                yield return new ValidationResult(
                    $"Unknown execution provider '{name}'; expected one of {string.Join(", ", SessionFactory.KnownProviders)}.",
                    [nameof(ExecutionProviders)]);
            }
        }
    }
}

[OptionsValidator]
public sealed partial class ModelHostOptionsValidator : IValidateOptions<ModelHostOptions>;

using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EdgeAi.Serving.Tracing;

/// <summary>
/// Trace export over OTLP: <c>Telemetry:Tracing</c>, the same in agent and hub. Off by default; when off, no
/// OpenTelemetry object exists and nothing listens to the spans.
/// </summary>
public sealed class TracingOptions : IValidatableObject
{
    public const string Section = "Telemetry:Tracing";

    public const string Grpc = "grpc";
    public const string HttpProtobuf = "http/protobuf";

    public bool Enabled { get; set; }

    /// <summary>
    /// The collector's base address, as OTEL_EXPORTER_OTLP_ENDPOINT takes it (http/protobuf sends to its
    /// <c>/v1/traces</c>). Empty: OTEL_EXPORTER_OTLP_ENDPOINT, else the OTLP default (gRPC on localhost:4317).
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> or <c>http/protobuf</c>; empty: OTEL_EXPORTER_OTLP_PROTOCOL, else gRPC.</summary>
    public string? Protocol { get; set; }

    /// <summary>The share of new traces kept (0 to 1); a span whose caller sent a trace context follows the caller's decision.</summary>
    [Range(0.0, 1.0)]
    public double SampleRatio { get; set; } = 1.0;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(OtlpEndpoint)
            && (!Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult(
                $"OtlpEndpoint '{OtlpEndpoint}' must be an absolute http:// or https:// address, e.g. http://collector:4318.", [nameof(OtlpEndpoint)]);
        }
        if (!string.IsNullOrEmpty(Protocol) && Protocol is not (Grpc or HttpProtobuf))
        {
            yield return new ValidationResult($"Protocol '{Protocol}' must be '{Grpc}' or '{HttpProtobuf}'.", [nameof(Protocol)]);
        }
    }
}

[OptionsValidator]
public sealed partial class TracingOptionsValidator : IValidateOptions<TracingOptions>;

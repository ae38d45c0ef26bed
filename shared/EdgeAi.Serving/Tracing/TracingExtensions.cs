using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace EdgeAi.Serving.Tracing;

public static class TracingExtensions
{
    /// <summary>
    /// The framework's own spans: ASP.NET Core's server span (it reads an incoming traceparent), HttpClient's, and the
    /// gRPC client's (it sits between our hub call and its HTTP request: without it that request's parent is missing).
    /// </summary>
    private static readonly string[] FrameworkSources = ["Microsoft.AspNetCore", "System.Net.Http", "Grpc.Net.Client"];

    /// <summary>
    /// Trace export (<see cref="TracingOptions"/>, <c>Telemetry:Tracing</c>). Only when enabled does it register the
    /// OpenTelemetry SDK: the tracer provider that listens to <see cref="ServingActivities"/>, <paramref name="sources"/>
    /// and the framework's spans, and the OTLP exporter. Disabled, it registers only the options (validated on
    /// start), and every ActivitySource.StartActivity returns null.
    /// </summary>
    /// <param name="serviceName">service.name: edge-agent or cloud-hub.</param>
    /// <param name="instanceId">service.instance.id: the device id, the hub replica's name.</param>
    public static IHostApplicationBuilder AddEdgeAiTracing(
        this IHostApplicationBuilder builder, string serviceName, Func<IServiceProvider, string> instanceId, params string[] sources)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<TracingOptions>().BindConfiguration(TracingOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TracingOptions>, TracingOptionsValidator>();
        var options = builder.Configuration.GetSection(TracingOptions.Section).Get<TracingOptions>() ?? new TracingOptions();
        if (!options.Enabled)
        {
            return builder;
        }
        builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing
                .AddSource([ServingActivities.SourceName, .. sources, .. FrameworkSources])
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.SampleRatio)))
                .AddOtlpExporter(otlp => Configure(otlp, options)));
        builder.Services.ConfigureOpenTelemetryTracerProvider((sp, tracing) =>
            tracing.ConfigureResource(resource => resource.AddService(serviceName, serviceVersion: null, serviceInstanceId: instanceId(sp))));
        return builder;
    }

    /// <summary>Our settings over the exporter's own (which read the OTEL_EXPORTER_OTLP_* variables).</summary>
    private static void Configure(OtlpExporterOptions otlp, TracingOptions options)
    {
        if (options.Protocol is { Length: > 0 } protocol)
        {
            otlp.Protocol = protocol == TracingOptions.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        }
        // A malformed address is left to the options' validation, which stops the start naming it.
        if (Uri.TryCreate(options.OtlpEndpoint, UriKind.Absolute, out var endpoint) && endpoint.Scheme is "http" or "https")
        {
            // Set in code, the endpoint is used as it is: for OTLP/HTTP that is the signal's own path.
            otlp.Endpoint = otlp.Protocol == OtlpExportProtocol.HttpProtobuf ? TracesPath(endpoint) : endpoint;
        }
    }

    /// <summary><c>/v1/traces</c> under the base address (kept when the address already names it).</summary>
    internal static Uri TracesPath(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var path = endpoint.AbsolutePath.TrimEnd('/');
        return path.EndsWith("/v1/traces", StringComparison.Ordinal) ? endpoint : new UriBuilder(endpoint) { Path = path + "/v1/traces" }.Uri;
    }
}

using System.Diagnostics.Metrics;
using EdgeAi.Agent.Telemetry;
using EdgeAi.Common.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.Agent.Tests.Telemetry;

/// <summary>The Triton-style series InferenceMetrics records, as the one Prometheus writer shows them.</summary>
public sealed class InferenceInstrumentsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly PrometheusExporter _exporter;
    private readonly InferenceMetrics _metrics;

    public InferenceInstrumentsTests()
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        _exporter = PrometheusExporter.ForScope(meters);
        _metrics = new InferenceMetrics(meters);
    }

    public void Dispose()
    {
        _exporter.Dispose();
        _services.Dispose();
    }

    [Fact]
    public void Record_SuccessFallbackAndFailure_CountedPerModelVersionAndReason()
    {
        _metrics.Record(new InferenceOutcome("m", "1", "local", null, "CPU", 3, null));
        _metrics.Record(new InferenceOutcome("m", "2", "cloud", "overloaded", null, 12, null));
        _metrics.Record(new InferenceOutcome("m", null, null, null, null, 0.5, "Unavailable"));

        var page = _exporter.Collect();

        page.ShouldContain("edgeai_inference_request_success_total{model=\"m\",version=\"1\"} 1\n");
        page.ShouldContain("edgeai_inference_request_success_total{model=\"m\",version=\"2\"} 1\n");
        page.ShouldContain("edgeai_inference_request_failure_total{model=\"m\",version=\"\",reason=\"Unavailable\"} 1\n");
        page.ShouldContain("edgeai_inference_served_total{model=\"m\",served_by=\"cloud\"} 1\n");
        page.ShouldContain("edgeai_inference_served_total{model=\"m\",served_by=\"local\"} 1\n");
        page.ShouldContain("edgeai_inference_fallbacks_total{model=\"m\",reason=\"overloaded\"} 1\n");
        page.ShouldContain("# TYPE edgeai_inference_request_duration_seconds histogram\n");
        page.ShouldContain("edgeai_inference_request_duration_seconds_bucket{model=\"m\",le=\"0.005\"} 2\n");
        page.ShouldContain("edgeai_inference_request_duration_seconds_count{model=\"m\"} 3\n");
        page.ShouldContain("edgeai_inference_request_duration_seconds_sum{model=\"m\"} 0.0155");
    }
}

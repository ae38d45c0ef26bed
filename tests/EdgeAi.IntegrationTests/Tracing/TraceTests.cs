using System.Diagnostics;
using EdgeAi.Agent.Outbox;
using EdgeAi.Common.Onnx;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.IntegrationTests.Tracing;

/// <summary>
/// One trace from an app's request through the agent's router to the hub and its batcher, and from an outbox
/// record over MQTT into the hub's ingest: the real agent and hub, as an OpenTelemetry listener sees them.
/// </summary>
public sealed class TraceTests : IAsyncLifetime
{
    private readonly SpanCollector _spans = new();
    private readonly HubAndAgent _hosts = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private TestAgent Agent => _hosts.Agent;

    public async ValueTask InitializeAsync()
    {
        _hosts.Hub.Install("hub-only", SampleModels.Scale(10f));
        await _hosts.StartAsync();
    }

    [Fact]
    public async Task Fallback_ClientTraceParent_OneTraceFromAgentToHubAndBatchLinked()
    {
        var client = ActivityTraceId.CreateRandom();
        var clientSpan = ActivitySpanId.CreateRandom();
        var headers = new Metadata { { "traceparent", $"00-{client.ToHexString()}-{clientSpan.ToHexString()}-01" } };

        var response = await Agent.Grpc.ModelInferAsync(Requests.Fp32("hub-only", [1, 2], [1, 2]), headers, cancellationToken: Token);
        response.Parameters["edgeai.served_by"].StringParam.ShouldBe("cloud");

        var route = await _spans.WaitForAsync(a => a.TraceId == client && a.DisplayName == "route hub-only", "the agent's route span", Token);
        var queued = await _spans.WaitForAsync(a => a.TraceId == client && a.DisplayName == "batcher hub-only", "the hub's batcher span", Token);
        await _spans.WaitForAsync(a => a.TraceId == client && a.ParentSpanId == clientSpan, "the agent's server span", Token);
        var trace = _spans.InTrace(client);
        var agentServer = trace.Single(a => a.ParentSpanId == clientSpan);
        agentServer.Source.Name.ShouldBe("Microsoft.AspNetCore");
        agentServer.Kind.ShouldBe(ActivityKind.Server);
        route.ParentSpanId.ShouldBe(agentServer.SpanId);
        route.GetTagItem("edgeai.route").ShouldBe("cloud");
        route.GetTagItem("edgeai.route.decision").ShouldBe("escalate");
        route.GetTagItem("edgeai.fallback_reason").ShouldBe("model_not_installed");
        route.GetTagItem("edgeai.model").ShouldBe("hub-only");

        var hubCall = trace.Single(a => a.DisplayName == "hub ModelInfer");
        hubCall.ParentSpanId.ShouldBe(route.SpanId);
        hubCall.Kind.ShouldBe(ActivityKind.Client);
        // The hub's server span: a descendant of the agent's call, through the HTTP/2 request that carried the traceparent.
        var hubServer = await _spans.WaitForAsync(
            a => a.TraceId == client && a.Source.Name == "Microsoft.AspNetCore" && _spans.Ancestors(a).Contains(hubCall), "the hub's server span under the agent's call", Token);
        hubServer.Kind.ShouldBe(ActivityKind.Server);
        _spans.Ancestors(queued).ShouldContain(hubServer);
        _spans.Ancestors(queued).ShouldContain(agentServer);

        var batch = await _spans.WaitForAsync(
            a => a.DisplayName == "batch hub-only" && a.Links.Any(l => l.Context.SpanId == queued.SpanId), "the batch span linked to the request", Token);
        batch.TraceId.ShouldNotBe(client);
        batch.Links.Single(l => l.Context.SpanId == queued.SpanId).Context.TraceId.ShouldBe(client);
        queued.Links.ShouldContain(l => l.Context.SpanId == batch.SpanId);
        var run = await _spans.WaitForAsync(a => a.TraceId == batch.TraceId && a.DisplayName == "run hub-only", "the model run in the batch", Token);
        run.ParentSpanId.ShouldBe(batch.SpanId);
        run.GetTagItem("edgeai.execution_provider").ShouldBe("CPU");
    }

    [Fact]
    public async Task OutboxEvent_UnderActivity_HubIngestSpanJoinsItsTrace()
    {
        var events = Agent.Services.GetRequiredService<EventReporter>();
        string traceParent;
        ActivityTraceId trace;
        using (var cause = new Activity("test cause").SetIdFormat(ActivityIdFormat.W3C).SetParentId(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded).Start())
        {
            (traceParent, trace) = (cause.Id!, cause.TraceId);
            events.Report("trace_test", EventReporter.Info, "an event caused by a traced operation");
        }

        var ingest = await _spans.WaitForAsync(a => a.TraceId == trace && a.DisplayName == "ingest events", "the hub's ingest span in the event's trace", Token);

        ingest.Kind.ShouldBe(ActivityKind.Consumer);
        ingest.ParentId.ShouldBe(traceParent);
        ingest.Links.ShouldContain(l => l.Context.TraceId == trace);
        ingest.GetTagItem("edgeai.device").ShouldBe(TestHub.DeviceId);
        ingest.GetTagItem("messaging.system").ShouldBe("mqtt");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _hosts.DisposeAsync();
        }
        finally
        {
            _spans.Dispose();
        }
    }
}

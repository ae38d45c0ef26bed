using EdgeAi.Bench.Latency;
using EdgeAi.Serving.Protocol;
using Grpc.Net.Client;

namespace EdgeAi.Bench.Hub;

/// <summary>Latency of bare ONNX Runtime (reference), the hub called directly, and the same request forwarded by the agent.</summary>
internal sealed record ForwardingResult(LatencyStats Bare, LatencyStats Direct, LatencyStats Forwarded)
{
    public double Ratio => Forwarded.P50Ms / Direct.P50Ms;
}

/// <summary>
/// (1) The agent has no ResNet18, so local-first escalates every request to the hub
/// (model_not_installed). Compared with a client that calls the hub itself over gRPC with TLS and
/// the device key, the forwarded request pays the extra hop: client → agent (h2c) → hub (TLS).
/// </summary>
internal static class ForwardingScenario
{
    public static async Task<ForwardingResult> RunAsync(ResNet18 model, HubBenchSettings settings, string root, TextWriter progress, CancellationToken cancellationToken)
    {
        // Batching off: a single sequential client gains nothing from it (and the packaged model has a fixed batch of 1 anyway).
        await using var hub = await InProcessHub.StartAsync(
            Directory.CreateDirectory(Path.Combine(root, "hub-forwarding")).FullName, model.Path, settings.Threads,
            new Dictionary<string, string?> { ["Batching:Enabled"] = "false" }, cancellationToken).ConfigureAwait(false);
        await using var agent = await InProcessAgent.StartAsync(localModelPath: null, settings.Threads, hub.AgentCloudSettings(), cancellationToken).ConfigureAwait(false);
        await using var bare = new BareOnnxRuntimePath(model, settings.Threads);
        await using var direct = new GrpcInferPath("(h) hub directly: gRPC, TLS, device key", hub.NewChannel(), model.RawRequest(), InProcessHub.Headers);
        await using var forwarded = new GrpcInferPath("(f) agent → hub: local-first, forwarded", GrpcChannel.ForAddress(agent.GrpcUri), model.RawRequest());

        var response = await forwarded.ResponseAsync(cancellationToken).ConfigureAwait(false);
        var servedBy = response.Parameters.GetString(InferenceParameters.ServedBy);
        var reason = response.Parameters.GetString(InferenceParameters.FallbackReason);
        await progress.WriteLineAsync($"  forwarded response: served_by={servedBy}, fallback_reason={reason}").ConfigureAwait(false);
        if (servedBy != "cloud" || reason != "model_not_installed")
        {
            throw new InvalidOperationException($"the agent's answer says served_by={servedBy}, fallback_reason={reason}; expected cloud, model_not_installed");
        }
        await OutputCheck.SameAsAsync(bare, [direct, forwarded], progress, cancellationToken).ConfigureAwait(false);

        var latency = await InterleavedRunner.RunAsync([bare, direct, forwarded], settings.Latency, progress, cancellationToken).ConfigureAwait(false);
        return new ForwardingResult(latency[0], latency[1], latency[2]);
    }
}

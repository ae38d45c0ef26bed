using System.Diagnostics;
using System.Globalization;
using EdgeAi.Bench.Latency;
using EdgeAi.Serving.Protocol;
using Grpc.Core;
using Grpc.Net.Client;

namespace EdgeAi.Bench.Hub;

/// <summary>Local-first latency with the hub up and with it down (circuit open), bare ONNX Runtime in the same rounds as a control, and how fast a cloud-only request fails.</summary>
internal sealed record HubDownResult(
    LatencyStats BareUp,
    LatencyStats LocalUp,
    LatencyStats BareDown,
    LatencyStats LocalDown,
    LatencyStats CloudOnlyFailure,
    int CallsToOpen,
    bool StillOpenAtEnd,
    string CloudError)
{
    public const string BreakDuration = "00:00:30";
    public const string AttemptTimeout = "00:00:01";
    public const int MinimumThroughput = 2;

    /// <summary>Cloud-only requests timed while the circuit is open.</summary>
    public const int FailureSamples = 50;

    public double Ratio => LocalDown.P50Ms / LocalUp.P50Ms;
}

/// <summary>
/// (3) The agent has ResNet18 and a hub. With the hub up, local-first requests are served locally.
/// Then the hub stops; cloud-only requests (edgeai.route=cloud) fail until the agent's circuit
/// opens, and local-first is measured again: it must not notice. Both phases run bare ONNX Runtime
/// in the same rounds, so drift of the machine between the phases shows.
/// </summary>
internal static class HubDownScenario
{
    private const string CircuitOpen = "circuit is open";

    public static async Task<HubDownResult> RunAsync(ResNet18 model, HubBenchSettings settings, string root, TextWriter progress, CancellationToken cancellationToken)
    {
        await using var hub = await InProcessHub.StartAsync(
            Directory.CreateDirectory(Path.Combine(root, "hub-down")).FullName, model.Path, settings.Threads,
            new Dictionary<string, string?> { ["Batching:Enabled"] = "false" }, cancellationToken).ConfigureAwait(false);
        var cloud = hub.AgentCloudSettings();
        cloud["Cloud:MinimumThroughput"] = HubDownResult.MinimumThroughput.ToString(CultureInfo.InvariantCulture);
        cloud["Cloud:BreakDuration"] = HubDownResult.BreakDuration;
        cloud["Cloud:AttemptTimeout"] = HubDownResult.AttemptTimeout;
        // The circuit opening is this scenario's point, not news: keep its warning off the report.
        cloud["Logging:LogLevel:EdgeAi.Agent.Cloud"] = "Error";
        await using var agent = await InProcessAgent.StartAsync(model.Path, settings.Threads, cloud, cancellationToken).ConfigureAwait(false);
        await using var bare = new BareOnnxRuntimePath(model, settings.Threads);
        await using var local = new GrpcInferPath("(l) agent, local-first (served locally)", GrpcChannel.ForAddress(agent.GrpcUri), model.RawRequest());
        var cloudRequest = model.RawRequest();
        cloudRequest.Parameters.Set(InferenceParameters.Route, "cloud");
        await using var cloudOnly = new GrpcInferPath("(c) agent, cloud-only", GrpcChannel.ForAddress(agent.GrpcUri), cloudRequest);

        await ExpectServedByAsync(local, "local", progress, cancellationToken).ConfigureAwait(false);
        await ExpectServedByAsync(cloudOnly, "cloud", progress, cancellationToken).ConfigureAwait(false);
        await OutputCheck.SameAsAsync(bare, [local, cloudOnly], progress, cancellationToken).ConfigureAwait(false);

        await progress.WriteLineAsync("  hub up:").ConfigureAwait(false);
        var up = await InterleavedRunner.RunAsync([bare, local], settings.Latency, progress, cancellationToken).ConfigureAwait(false);

        await hub.StopAsync().ConfigureAwait(false);
        var calls = 0;
        string error;
        do
        {
            if (++calls > 20)
            {
                throw new InvalidOperationException("the agent's hub circuit did not open after 20 failed cloud-only requests");
            }
            error = await FailureAsync(cloudOnly, cancellationToken).ConfigureAwait(false);
        }
        while (!error.Contains(CircuitOpen, StringComparison.Ordinal));
        await progress.WriteLineAsync($"  hub stopped; circuit open after {calls} cloud-only request(s): {error}").ConfigureAwait(false);

        var failures = new List<double>(HubDownResult.FailureSamples);
        for (var i = 0; i < HubDownResult.FailureSamples; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var message = await FailureAsync(cloudOnly, cancellationToken).ConfigureAwait(false);
            failures.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (!message.Contains(CircuitOpen, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"a cloud-only request failed for another reason than the open circuit: {message}");
            }
        }

        await progress.WriteLineAsync("  hub down:").ConfigureAwait(false);
        var down = await InterleavedRunner.RunAsync([bare, local], settings.Latency, progress, cancellationToken).ConfigureAwait(false);
        var stillOpen = (await FailureAsync(cloudOnly, cancellationToken).ConfigureAwait(false)).Contains(CircuitOpen, StringComparison.Ordinal);

        return new HubDownResult(up[0], up[1], down[0], down[1], LatencyStats.From("cloud-only failure", failures), calls, stillOpen, error);
    }

    private static async Task ExpectServedByAsync(GrpcInferPath path, string expected, TextWriter progress, CancellationToken cancellationToken)
    {
        var servedBy = (await path.ResponseAsync(cancellationToken).ConfigureAwait(false)).Parameters.GetString(InferenceParameters.ServedBy);
        await progress.WriteLineAsync($"  {path.Label}: served_by={servedBy}").ConfigureAwait(false);
        if (servedBy != expected)
        {
            throw new InvalidOperationException($"{path.Label} was served by {servedBy}; expected {expected}");
        }
    }

    /// <summary>A request that must fail with UNAVAILABLE (the hub is down); returns the agent's message.</summary>
    private static async Task<string> FailureAsync(GrpcInferPath path, CancellationToken cancellationToken)
    {
        try
        {
            await path.ResponseAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
        {
            return e.Status.Detail;
        }
        throw new InvalidOperationException($"{path.Label} succeeded with the hub stopped");
    }
}

using System.Runtime.InteropServices;
using EdgeAi.Bench.AgentProcess;
using EdgeAi.Bench.Hub;
using EdgeAi.Bench.Latency;
using EdgeAi.Bench.Report;
using EdgeAi.Testing;
using Microsoft.ML.OnnxRuntime;

namespace EdgeAi.Bench;

/// <summary>One benchmark run: the agent process first (nothing else busy), then the latency paths; progress on stderr, the report on stdout.</summary>
internal static class BenchRun
{
    public static async Task<int> RunAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        var progress = Console.Error;
        var model = ResNet18.Load();
        await progress.WriteLineAsync($"model: {model.Path}").ConfigureAwait(false);

        AgentProcessResult? process = null;
        string? processProblem = null;
        try
        {
            process = await AgentProcessProbe.MeasureAsync(model, settings.Threads, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidOperationException or TimeoutException or HttpRequestException)
        {
            processProblem = e.Message.Split('\n', 2)[0];
            await progress.WriteLineAsync($"agent process not measured: {e.Message}").ConfigureAwait(false);
        }

        await progress.WriteLineAsync("latency: starting the paths").ConfigureAwait(false);
        await using var bare = new BareOnnxRuntimePath(model, settings.Threads);
        await using var host = new ModelHostPath(model, settings.Threads);
        await using var agent = await InProcessAgent.StartAsync(model, settings.Threads, cancellationToken).ConfigureAwait(false);
        await using var grpc = new AgentGrpcPath(agent, model);
        await using var rest = new AgentRestPath(agent, model);
        await using var shm = await AgentSharedMemoryPath.CreateAsync(agent, model, cancellationToken).ConfigureAwait(false);
        await using var restBinary = new AgentRestBinaryPath(agent, model);
        // (g) what (c) does, without TCP.
        await using var unixSocket = new GrpcInferPath("(g) agent over gRPC, Unix socket", UnixSocketClients.Grpc(agent.GrpcSocketPath), model.RawRequest());
        await using var forwarding = await ForwardingPaths.StartAsync(model, settings.Threads, cancellationToken).ConfigureAwait(false);
        await forwarding.CheckRouteAsync(cancellationToken).ConfigureAwait(false);
        await using var forwardedShm = await AgentSharedMemoryPath.CreateAsync(
            forwarding.Agent, model, cancellationToken, "(j) agent → hub, forwarded: shared-memory client").ConfigureAwait(false);
        await using var agentProcess = await AgentProcessPath.StartAsync(model, settings.Threads, cancellationToken).ConfigureAwait(false);
        ILatencyPath[] paths = [bare, host, grpc, rest, shm, restBinary, unixSocket, forwarding.Direct, forwarding.Forwarded, forwardedShm, agentProcess];

        // Every path must compute what bare ONNX Runtime computes, or its latency means nothing.
        var reference = await bare.InferAndReadAsync(cancellationToken).ConfigureAwait(false);
        foreach (var path in paths.Skip(1))
        {
            var output = await path.InferAndReadAsync(cancellationToken).ConfigureAwait(false);
            var difference = output.Length == reference.Length ? output.Zip(reference, (x, y) => Math.Abs(x - y)).Max() : float.PositiveInfinity;
            await progress.WriteLineAsync($"  {path.Label}: {output.Length} outputs, max |difference| vs (a) {difference:0.0e0}").ConfigureAwait(false);
            if (difference > 1e-4f)
            {
                await progress.WriteLineAsync($"edgeai-bench: {path.Label} does not compute what bare ONNX Runtime computes").ConfigureAwait(false);
                return 1;
            }
        }

        await progress.WriteLineAsync($"latency: {settings.Warmup} warm-up, then {settings.Iterations} per path in {settings.Rounds} rounds").ConfigureAwait(false);
        var latency = await InterleavedRunner.RunAsync(paths, settings, progress, cancellationToken).ConfigureAwait(false);

        await Console.Out.WriteLineAsync().ConfigureAwait(false);
        MarkdownReport.Write(Console.Out, settings, Describe(), latency, process, processProblem);
        return 0;
    }

    public static string Describe()
    {
        var cpu = OperatingSystem.IsLinux()
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"Machine: {cpu ?? RuntimeInformation.ProcessArchitecture.ToString()}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}; "
            + $"{RuntimeInformation.FrameworkDescription}; ONNX Runtime {OrtEnv.Instance().GetVersionString()}.";
    }
}

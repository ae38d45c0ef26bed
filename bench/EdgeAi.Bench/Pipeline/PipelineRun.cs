using System.Globalization;
using EdgeAi.Bench.Latency;

namespace EdgeAi.Bench.Pipeline;

/// <summary>
/// The pipeline benchmark: a 1920 × 1080 JPEG made from a real photo → a 224 × 224 ResNet18 tensor, each step timed
/// beside ResNet18's own inference; then the whole pipeline over gRPC beside the model over gRPC with the tensor made
/// beforehand. Progress on stderr, the report (markdown) on stdout.
/// </summary>
internal static class PipelineRun
{
    public static async Task<int> RunAsync(PipelineBenchSettings settings, CancellationToken cancellationToken)
    {
        var progress = Console.Error;
        var model = ResNet18.Load();
        var jpeg = LargePhoto.Make(PipelineBenchSettings.PhotoWidth, PipelineBenchSettings.PhotoHeight);
        await progress.WriteLineAsync($"model: {model.Path}; frame: {LargePhoto.Source} as a {PipelineBenchSettings.PhotoWidth}×{PipelineBenchSettings.PhotoHeight} JPEG, {jpeg.Length:N0} bytes").ConfigureAwait(false);

        IReadOnlyList<LatencyStats> steps;
        byte[] tensor;
        using (var local = new PreprocessSteps(model, jpeg, settings.Threads))
        {
            tensor = local.Tensor();
            await progress.WriteLineAsync($"steps: {settings.Warmup} warm-up, then {settings.Iterations}").ConfigureAwait(false);
            steps = local.Measure(settings.Warmup, settings.Iterations);
        }

        await progress.WriteLineAsync("gRPC: starting the agent with ResNet18 and the pipeline").ConfigureAwait(false);
        await using var agent = await InProcessAgent.StartAsync(model.Path, settings.Threads, PipelineGrpcPaths.Settings(), cancellationToken).ConfigureAwait(false);
        await using var pipeline = PipelineGrpcPaths.Pipeline(agent, jpeg);
        await using var direct = PipelineGrpcPaths.Model(agent, tensor);

        // The pipeline must give what the model gives for the tensor made here, or its latency means nothing.
        var expected = await direct.InferAndReadAsync(cancellationToken).ConfigureAwait(false);
        var actual = await pipeline.InferAndReadAsync(cancellationToken).ConfigureAwait(false);
        var difference = actual.Length == expected.Length ? actual.Zip(expected, (x, y) => Math.Abs(x - y)).Max() : float.PositiveInfinity;
        await progress.WriteLineAsync($"  pipeline vs model on the pre-made tensor: {actual.Length} outputs, max |difference| {difference:0.0e0}").ConfigureAwait(false);
        if (difference > 1e-3f)
        {
            await progress.WriteLineAsync("edgeai-bench pipeline: the pipeline does not compute what the model computes on the same frame").ConfigureAwait(false);
            return 1;
        }
        var grpc = await InterleavedRunner.RunAsync([pipeline, direct], settings.Interleaved, progress, cancellationToken).ConfigureAwait(false);

        await Console.Out.WriteLineAsync().ConfigureAwait(false);
        Write(Console.Out, settings, jpeg.Length, steps, grpc);
        return 0;
    }

    private static void Write(TextWriter output, PipelineBenchSettings settings, int jpegBytes, IReadOnlyList<LatencyStats> steps, IReadOnlyList<LatencyStats> grpc)
    {
        output.WriteLine(BenchRun.Describe());
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Frame: {LargePhoto.Source} upscaled to {PipelineBenchSettings.PhotoWidth}×{PipelineBenchSettings.PhotoHeight}, JPEG quality 90 ({jpegBytes / 1024} KiB); {settings.Iterations} iterations after {settings.Warmup} warm-up, {settings.Threads} ONNX Runtime threads."));
        output.WriteLine();
        output.WriteLine("| Step | p50 (ms) | p99 (ms) | mean (ms) |");
        output.WriteLine("| --- | ---: | ---: | ---: |");
        foreach (var s in steps)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {s.Label} | {s.P50Ms:0.00} | {s.P99Ms:0.00} | {s.MeanMs:0.00} |"));
        }
        output.WriteLine();
        output.WriteLine("| Path | p50 (ms) | p99 (ms) | req/s |");
        output.WriteLine("| --- | ---: | ---: | ---: |");
        foreach (var s in grpc)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {s.Label} | {s.P50Ms:0.00} | {s.P99Ms:0.00} | {s.RequestsPerSecond:0.0} |"));
        }
        output.WriteLine();
        output.WriteLine(settings.CommandLine);
    }
}

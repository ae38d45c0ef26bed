using System.CommandLine;
using EdgeAi.Bench.Edge;
using EdgeAi.Bench.Hub;
using EdgeAi.Bench.Pipeline;
using EdgeAi.Bench.Quantize;
using EdgeAi.Bench.Sync;

namespace EdgeAi.Bench;

/// <summary>
/// The benchmark's command line. Without a command: latency of the four local paths and the agent
/// process (iterations, warm-up, threads). <c>hub</c>: forwarding to the hub, the hub's dynamic
/// batching, and local-first while the hub is down.
/// </summary>
internal static class BenchCli
{
    public static RootCommand Build()
    {
        var iterations = Iterations(300);
        var warmup = Warmup(20);
        var threads = Threads();
        var raw = new Option<FileInfo?>("--raw")
        {
            Description = "Also write every measured latency to this CSV file (path,round,iteration,ms), for plots.",
        };
        var root = new RootCommand(
            "EdgeAi benchmark: ResNet18 at batch 1 on bare ONNX Runtime, the agent's ModelHost, and the agent over gRPC and REST; the agent process's start-up time and memory. "
            + "Run `hub` for the hub benchmarks (forwarding, dynamic batching, local-first while the hub is down), `edge` for trigger-to-action latency of rules, `pipeline` for image pre-processing, `quantize` for ResNet18 fp32 vs INT8.")
        {
            iterations, warmup, threads, raw, BuildHub(), BuildSync(), BuildScale(), BuildEdge(), BuildPipeline(), BuildQuantize(),
        };
        root.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new BenchSettings(parse.GetValue(iterations), parse.GetValue(warmup), parse.GetValue(threads), parse.GetValue(raw)?.FullName);
            if (settings.Problem() is { } problem)
            {
                await Console.Error.WriteLineAsync($"edgeai-bench: {problem}").ConfigureAwait(false);
                return 2;
            }
            return await BenchRun.RunAsync(settings, cancellationToken).ConfigureAwait(false);
        });
        return root;
    }

    private static Command BuildHub()
    {
        var iterations = Iterations(200);
        // More than the default mode: the JIT tiers a method up after 30 calls, twice with PGO, and the hub mode has three hosts' code to warm.
        var warmup = Warmup(100);
        var threads = Threads();
        var clients = new Option<int>("--clients")
        {
            Description = "Concurrent clients for the batching scenario, each with its own gRPC channel to the hub.",
            DefaultValueFactory = _ => 16,
        };
        var duration = new Option<int>("--duration")
        {
            Description = "Measured seconds per batching configuration, split over interleaved rounds (each turn also has 2 s of unmeasured load).",
            DefaultValueFactory = _ => 20,
        };
        var delays = new Option<double[]>("--queue-delays")
        {
            Description = $"Batching:MaxQueueDelay values to try, in ms, with MaxBatchSize {HubBenchSettings.MaxBatchSize}.",
            DefaultValueFactory = _ => [2, 5, 10],
            AllowMultipleArgumentsPerToken = true,
        };
        var hub = new Command(
            "hub",
            "Hub benchmarks, hub and agent in this process on 127.0.0.1: (1) a request the agent forwards to the hub vs the same request sent straight to the hub; "
            + "(2) the hub's dynamic batching with concurrent clients, on vs off, and bare ONNX Runtime; (3) local-first latency while the hub is up vs down (circuit open).")
        {
            iterations, warmup, threads, clients, duration, delays,
        };
        hub.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new HubBenchSettings(
                parse.GetValue(iterations), parse.GetValue(warmup), parse.GetValue(threads), parse.GetValue(clients), parse.GetValue(duration), parse.GetValue(delays) ?? []);
            if (settings.Problem() is { } problem)
            {
                await Console.Error.WriteLineAsync($"edgeai-bench hub: {problem}").ConfigureAwait(false);
                return 2;
            }
            return await HubRun.RunAsync(settings, cancellationToken).ConfigureAwait(false);
        });
        return hub;
    }

    private static Command BuildSync()
    {
        var enqueue = Count("--enqueue-records", 500_000, "Records appended per batch size in the enqueue scenario.");
        var drain = Count("--drain-records", 200_000, "Backlog drained end to end through each broker (embedded, Mosquitto).");
        var backlog = Count("--backlog", 1_000_000, "The large backlog drained through the embedded broker (0 skips it).");
        var devices = Count("--devices", 1000, "Simulated devices connected at once to the embedded broker (0 skips it).");
        var perDevice = Count("--records-per-device", 200, "Records each simulated device sends.");
        var encrypted = new Option<bool>("--encrypted") { Description = "Outbox files encrypted at rest (Outbox:Encryption=On), as on an enrolled device." };
        var sync = new Command(
            "sync",
            "Sync-up benchmarks: durable outbox enqueue rate; end-to-end drain (agent outbox → MQTT → hub store) through the embedded broker and through Mosquitto; "
            + "time to drain a large backlog; hub ingest with many devices connected at once. Needs the mosquitto binary for the Mosquitto scenario.")
        {
            enqueue, drain, backlog, devices, perDevice, encrypted,
        };
        sync.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new SyncBenchSettings(parse.GetValue(enqueue), parse.GetValue(drain), parse.GetValue(backlog), parse.GetValue(devices), parse.GetValue(perDevice), parse.GetValue(encrypted));
            if (settings.Problem() is { } problem)
            {
                await Console.Error.WriteLineAsync($"edgeai-bench sync: {problem}").ConfigureAwait(false);
                return 2;
            }
            return await SyncRun.RunAsync(settings, cancellationToken).ConfigureAwait(false);
        });
        return sync;
    }

    private static Command BuildScale()
    {
        var devices = Count("--devices", 1000, "Simulated devices, each a real MQTT client with its own login.");
        var perDevice = Count("--records-per-device", 200, "Records each simulated device sends in the ingest scenarios.");
        var scale = new Command(
            "scale",
            "The hub at scale: ingest from many devices at once on SQLite and PostgreSQL, through the embedded broker and Mosquitto, one replica and two; "
            + "a rollout in waves to every device. PostgreSQL rows need EDGEAI_TEST_POSTGRES (scripts/test-postgres.sh start DIR prints it); Mosquitto rows the mosquitto binary.")
        {
            devices, perDevice,
        };
        scale.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new Scale.ScaleBenchSettings(parse.GetValue(devices), parse.GetValue(perDevice));
            if (settings.Problem() is { } problem)
            {
                await Console.Error.WriteLineAsync($"edgeai-bench scale: {problem}").ConfigureAwait(false);
                return 2;
            }
            return await Scale.ScaleRun.RunAsync(settings, cancellationToken).ConfigureAwait(false);
        });
        return scale;
    }

    private static Command BuildEdge()
    {
        var iterations = Iterations(300);
        var warmup = Warmup(50);
        var edge = new Command(
            "edge",
            "Edge-event benchmark, the agent in this process with the simulated GPIO chip: trigger-to-action latency (simulated pin edge → output pin written) "
            + "of a rule with no model, of a rule with a classifier and of a rule with the colour pipeline on a real JPEG (needs scripts/test-images.sh, else those rows are not measured), "
            + "each beside its target over gRPC and in process.")
        {
            iterations, warmup,
        };
        edge.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new EdgeBenchSettings(parse.GetValue(iterations), parse.GetValue(warmup));
            if (settings.Problem() is { } problem)
            {
                await Console.Error.WriteLineAsync($"edgeai-bench edge: {problem}").ConfigureAwait(false);
                return 2;
            }
            return await EdgeRun.RunAsync(settings, cancellationToken).ConfigureAwait(false);
        });
        return edge;
    }

    private static Command BuildPipeline()
    {
        var iterations = Iterations(200);
        var warmup = Warmup(20);
        var threads = Threads();
        var pipeline = new Command(
            "pipeline",
            "Image pipeline: a 1920×1080 JPEG (a real photo, upscaled) to ResNet18's 224×224 FP32 tensor, decode, resize and normalize timed beside ResNet18's inference; "
            + "then the pipeline over gRPC (JPEG in) vs the model over gRPC (the tensor made beforehand). Needs the test photos (scripts/test-images.sh).")
        {
            iterations, warmup, threads,
        };
        pipeline.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new PipelineBenchSettings(parse.GetValue(iterations), parse.GetValue(warmup), parse.GetValue(threads));
            if (settings.Problem() is { } problem)
            {
                await Console.Error.WriteLineAsync($"edgeai-bench pipeline: {problem}").ConfigureAwait(false);
                return 2;
            }
            return await PipelineRun.RunAsync(settings, cancellationToken).ConfigureAwait(false);
        });
        return pipeline;
    }

    private static Command BuildQuantize()
    {
        var images = Count("--calibration-images", 100, "Calibration images: crops and mirror images of the real photos (scripts/test-images.sh).");
        var runs = Count("--runs", 200, "Timed inferences per model (fp32, int8), split over interleaved rounds.");
        var warmup = Warmup(20);
        var threads = Threads();
        var method = new Option<string>("--method") { Description = "Calibration method: minmax, percentile or entropy.", DefaultValueFactory = _ => "minmax" };
        method.AcceptOnlyFromAmong("minmax", "percentile", "entropy");
        var quantize = new Command(
            "quantize",
            "INT8 quantization: ResNet18 quantized with calibration crops of real photos (time taken), fp32 vs int8 p50/p99 at batch 1 with the same threads, "
            + "output cosine on held-out photos, the hardware profile. Needs the test photos (scripts/test-images.sh).")
        {
            images, runs, warmup, threads, method,
        };
        quantize.SetAction((parse, cancellationToken) =>
        {
            var settings = new QuantizeBenchSettings(parse.GetValue(images), parse.GetValue(runs), parse.GetValue(warmup), parse.GetValue(threads), parse.GetRequiredValue(method));
            if (settings.Problem() is { } problem)
            {
                Console.Error.WriteLine($"edgeai-bench quantize: {problem}");
                return Task.FromResult(2);
            }
            return Task.FromResult(QuantizeRun.Run(settings, cancellationToken));
        });
        return quantize;
    }

    private static Option<int> Count(string name, int defaultValue, string description) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
    };

    private static Option<int> Iterations(int defaultValue) => new("--iterations")
    {
        Description = "Measured inferences per path, split over interleaved rounds.",
        DefaultValueFactory = _ => defaultValue,
    };

    private static Option<int> Warmup(int defaultValue) => new("--warmup")
    {
        Description = "Unmeasured inferences per path before the first round.",
        DefaultValueFactory = _ => defaultValue,
    };

    private static Option<int> Threads() => new("--threads")
    {
        Description = "ONNX Runtime intra-op threads for every path (inter-op is 1). Default: 2, this machine's cores.",
        DefaultValueFactory = _ => 2,
    };
}

/// <summary>What one run measures. Rounds: the paths take turns, so machine noise hits them all alike.</summary>
internal sealed record BenchSettings(int Iterations, int Warmup, int Threads, string? RawCsvPath = null)
{
    /// <summary>Hub mode: after warm-up, keep warming up until the JIT settles (<see cref="Latency.JitSettle"/>). The default mode keeps its original warm-up.</summary>
    public bool SettleJitAfterWarmup { get; init; }

    public int Rounds => Math.Min(5, Iterations);

    /// <summary>Unmeasured inferences at the start of each path's turn in a round.</summary>
    public int RewarmPerTurn => Math.Min(3, Warmup);

    public string? Problem() => this switch
    {
        { Iterations: < 1 } => "--iterations must be 1 or more",
        { Warmup: < 0 } => "--warmup must be 0 or more",
        { Threads: < 1 or > 256 } => "--threads must be between 1 and 256",
        _ => null,
    };

    public string CommandLine =>
        $"dotnet run -c Release --project bench/EdgeAi.Bench -- --iterations {Iterations} --warmup {Warmup} --threads {Threads}";
}

using System.Device.Gpio;
using System.Diagnostics;
using System.Globalization;
using EdgeAi.Agent.Gpio;
using EdgeAi.Agent.Rules;
using EdgeAi.Bench.Latency;
using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using EdgeAi.Serving;
using EdgeAi.Testing;
using EdgeAi.Testing.Hosts;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.Bench.Edge;

/// <summary>
/// The edge mode: trigger-to-action latency of rules in the real agent (in process, simulated GPIO chip), from
/// driving a simulated input (the edge enters through the driver's event thread, as on hardware) to the rule's
/// write of its output pin, for (a) a rule with no model and (b) a rule that classifies its input file with the
/// sample classifier; beside (c) the same model and input over gRPC on loopback and (d) in process through the
/// backend the rule calls. The paths take turns in rounds; progress on stderr, the report on stdout.
/// </summary>
internal static class EdgeRun
{
    private const string Model = "classifier";
    private static readonly float[] Features = [0.5f, -1.25f, 2f, 0.75f];

    public static async Task<int> RunAsync(EdgeBenchSettings settings, CancellationToken cancellationToken)
    {
        using var scratch = new Scratch("edgeai-bench-edge-");
        var frames = scratch.Sub("frames");
        File.WriteAllText(Path.Combine(frames, "frame.json"), "[[" + string.Join(", ", Features.Select(f => f.ToString("R", CultureInfo.InvariantCulture))) + "]]");
        var agent = new TestAgent(scratch.Sub("agent"));
        agent.Install(Model, SampleModels.Classifier());
        try
        {
            await agent.StartWithAsync(HostSettings.Merge(AgentSettings.For(agent.DataDirectory, 1), Settings(frames)), cancellationToken).ConfigureAwait(false);
            var gpio = agent.Services.GetRequiredService<GpioService>();
            var engine = agent.Services.GetRequiredService<RuleEngine>();
            var backend = agent.Services.GetRequiredService<IInferenceBackend>();
            var request = Request();
            var paths = new (string Label, Func<Task<double>> Once)[]
            {
                ("(a) rule, no model: pin edge → gpio-set", () => RuleOnceAsync(gpio, engine, "plain", "in-plain", "out-plain", cancellationToken)),
                ("(b) rule with the classifier: pin edge → newest file → model → condition → gpio-set", () => RuleOnceAsync(gpio, engine, "classify", "in-model", "out-model", cancellationToken)),
                ("(c) the classifier over gRPC, loopback (same input)", () => TimeAsync(async () => await agent.Grpc.ModelInferAsync(request, cancellationToken: cancellationToken))),
                ("(d) the classifier in process, through the backend the rule calls", () => TimeAsync(() => backend.InferAsync(request, cancellationToken))),
            };
            foreach (var (label, once) in paths)
            {
                for (var i = 0; i < settings.Warmup; i++)
                {
                    await once().ConfigureAwait(false);
                }
                await Console.Error.WriteLineAsync($"warmed up: {label}").ConfigureAwait(false);
            }
            var measured = paths.Select(_ => new List<double>()).ToArray();
            for (var round = 0; round < settings.Rounds; round++)
            {
                var perRound = settings.Iterations / settings.Rounds + (round < settings.Iterations % settings.Rounds ? 1 : 0);
                for (var p = 0; p < paths.Length; p++)
                {
                    for (var i = 0; i < perRound; i++)
                    {
                        measured[p].Add(await paths[p].Once().ConfigureAwait(false));
                    }
                }
                await Console.Error.WriteLineAsync($"round {round + 1}/{settings.Rounds} done").ConfigureAwait(false);
            }
            var stats = paths.Select((p, i) => LatencyStats.From(p.Label, measured[i])).ToList();
            await Console.Out.WriteLineAsync().ConfigureAwait(false);
            EdgeReport.Write(Console.Out, settings, BenchRun.Describe(), stats);
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            await Console.Error.WriteLineAsync($"edgeai-bench edge: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        finally
        {
            await agent.StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Drives the rule's input high and waits for its output pin to go high; then puts both back, out of the measured time, once the rule is free.</summary>
    private static async Task<double> RuleOnceAsync(GpioService gpio, RuleEngine engine, string ruleName, string input, string output, CancellationToken cancellationToken)
    {
        var simulated = gpio.Simulated ?? throw new InvalidOperationException("the benchmark needs the simulated GPIO driver");
        var rule = engine.Find(ruleName) ?? throw new InvalidOperationException($"rule {ruleName} is not in effect");
        var line = gpio.Resolve(output).Number;
        var previous = rule.Last;
        var written = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnWritten(int pin, PinValue value)
        {
            if (pin == line && value == PinValue.High)
            {
                written.TrySetResult(Stopwatch.GetTimestamp());
            }
        }
        simulated.Written += OnWritten;
        long end;
        var start = Stopwatch.GetTimestamp();
        try
        {
            gpio.Drive(input, true);
            end = await written.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            simulated.Written -= OnWritten;
        }
        var free = Stopwatch.StartNew();
        while (ReferenceEquals(rule.Last, previous))
        {
            if (free.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new TimeoutException($"rule {ruleName} did not finish its fire");
            }
            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }
        if (rule.Last?.Outcome != RuleOutcomes.Fired)
        {
            throw new InvalidOperationException($"rule {ruleName} did not fire: {rule.Last?.Summary}");
        }
        gpio.Drive(input, false);
        gpio.Write(output, false);
        return Stopwatch.GetElapsedTime(start, end).TotalMilliseconds;
    }

    private static async Task<double> TimeAsync(Func<Task> call)
    {
        var start = Stopwatch.GetTimestamp();
        await call().ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static ModelInferRequest Request()
    {
        var request = new ModelInferRequest { ModelName = Model };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Shape = { 1, Features.Length } });
        request.RawInputContents.Add(ByteString.CopyFrom(RawTensor.FromDoubles(TensorDatatype.Fp32, [.. Features.Select(f => (double)f)])));
        return request;
    }

    private static Dictionary<string, string?> Settings(string frames) => new(StringComparer.OrdinalIgnoreCase)
    {
        ["Gpio:Driver"] = "simulated",
        ["Gpio:PinCount"] = "8",
        ["Gpio:Pins:in-plain:Number"] = "1",
        ["Gpio:Pins:out-plain:Number"] = "2",
        ["Gpio:Pins:out-plain:Mode"] = "output",
        ["Gpio:Pins:in-model:Number"] = "3",
        ["Gpio:Pins:out-model:Number"] = "4",
        ["Gpio:Pins:out-model:Mode"] = "output",
        ["Rules:plain:Trigger:Kind"] = "gpio",
        ["Rules:plain:Trigger:Pin"] = "in-plain",
        ["Rules:plain:Actions:0:Kind"] = "gpio-set",
        ["Rules:plain:Actions:0:Pin"] = "out-plain",
        ["Rules:plain:Actions:0:Value"] = "1",
        ["Rules:classify:Trigger:Kind"] = "gpio",
        ["Rules:classify:Trigger:Pin"] = "in-model",
        ["Rules:classify:Input:Kind"] = "newest-file",
        ["Rules:classify:Input:Directory"] = frames,
        ["Rules:classify:Target"] = Model,
        ["Rules:classify:Actions:0:Kind"] = "gpio-set",
        ["Rules:classify:Actions:0:Pin"] = "out-model",
        ["Rules:classify:Actions:0:Value"] = "1",
    };
}

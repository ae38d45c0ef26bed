using EdgeAi.Serving.Store;

namespace EdgeAi.Bench.AgentProcess;

/// <summary>Start-up time and memory of the real agent process, measured with no models and with ResNet18.</summary>
internal sealed record AgentProcessResult(
    AgentBinary Binary,
    TimeSpan ReadyNoModels,
    TimeSpan? CpuToReadyNoModels,
    TimeSpan ReadyResNet18,
    long? RssIdleBytes,
    long? RssResNet18Bytes,
    long? RssResNet18AfterInferBytes,
    int Starts);

/// <summary>
/// Runs <c>edge-agent run</c> as a separate process on free loopback ports. Start-to-ready is from
/// process start until GET /v2/health/ready answers 200 (median of five starts), with the CPU time
/// (user + system, /proc) the process spent by then; RSS is VmRSS from /proc after ready plus a
/// settle time, and again after one inference.
/// </summary>
internal static class AgentProcessProbe
{
    private const int Starts = 5;
    // Past the agent's own settle: it gives back start-up's memory 2 s after its models are loaded (StartupMemoryRelease).
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);

    public static async Task<AgentProcessResult> MeasureAsync(ResNet18 model, int threads, TextWriter progress, CancellationToken cancellationToken)
    {
        var binary = AgentBinary.Find();
        await progress.WriteLineAsync($"agent process: {binary.Description}").ConfigureAwait(false);
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(1) };
        var root = Directory.CreateTempSubdirectory("edgeai-bench-process-").FullName;
        try
        {
            var empty = Path.Combine(root, "empty");
            var withModel = Path.Combine(root, "resnet18");
            new ModelStore(Path.Combine(withModel, "models"), TimeProvider.System).Add(model.Path, ResNet18.ModelName, "1");

            var emptyReady = new List<TimeSpan>();
            var emptyCpu = new List<TimeSpan>();
            long? rssIdle = null;
            for (var i = 0; i < Starts; i++)
            {
                await using var agent = await AgentProcessInstance.StartAsync(binary, empty, threads, http, cancellationToken).ConfigureAwait(false);
                emptyReady.Add(agent.StartToReady);
                if (agent.CpuToReady is { } cpu)
                {
                    emptyCpu.Add(cpu);
                }
                if (i == Starts - 1)
                {
                    await Task.Delay(Settle, cancellationToken).ConfigureAwait(false);
                    rssIdle = agent.ResidentBytes();
                }
            }
            await progress.WriteLineAsync($"  no models: ready in {Format(emptyReady)}; CPU to ready {Format(emptyCpu)}").ConfigureAwait(false);

            var modelReady = new List<TimeSpan>();
            long? rssLoaded = null;
            long? rssInferred = null;
            var body = model.JsonBody();
            for (var i = 0; i < Starts; i++)
            {
                await using var agent = await AgentProcessInstance.StartAsync(binary, withModel, threads, http, cancellationToken).ConfigureAwait(false);
                modelReady.Add(agent.StartToReady);
                if (i == Starts - 1)
                {
                    await Task.Delay(Settle, cancellationToken).ConfigureAwait(false);
                    rssLoaded = agent.ResidentBytes();
                    await agent.InferAsync(http, body, cancellationToken).ConfigureAwait(false);
                    await Task.Delay(Settle, cancellationToken).ConfigureAwait(false);
                    rssInferred = agent.ResidentBytes();
                }
            }
            await progress.WriteLineAsync($"  ResNet18: ready in {Format(modelReady)}").ConfigureAwait(false);
            return new AgentProcessResult(binary, Median(emptyReady), emptyCpu.Count > 0 ? Median(emptyCpu) : null, Median(modelReady), rssIdle, rssLoaded, rssInferred, Starts);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static TimeSpan Median(List<TimeSpan> values) => values.Order().ElementAt(values.Count / 2);

    private static string Format(List<TimeSpan> values) => string.Join(", ", values.Select(v => $"{v.TotalMilliseconds:0} ms"));
}

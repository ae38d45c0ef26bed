using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.IntegrationTests.Pipelines;

/// <summary>
/// One agent (no hub) for the pipeline serving and bad-image tests, with the channel classifier installed and
/// these pipelines: <c>colours</c> (the classifier, labels red/green/blue), <c>waiting</c> (its model is not
/// installed), <c>misfit</c> (NHWC for the classifier's NCHW input), <c>small</c> (1,000-byte image limit),
/// <c>raw</c> (post-processing off).
/// </summary>
public sealed class PipelineAgentFixture : IAsyncLifetime
{
    private readonly Scratch _scratch = new("edgeai-pipelines-");

    internal TestAgent Agent { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Agent = new TestAgent(_scratch.Sub("agent"));
        Agent.Install("channels", PipelineRequests.ChannelModel());
        await File.WriteAllLinesAsync(Path.Combine(Agent.DataDirectory, "colours.txt"), PipelineRequests.ColourLabels);
        await Agent.StartAsync(hub: null, HostSettings.Merge(
            PipelineRequests.ColourPipeline("colours", "colours.txt"),
            PipelineRequests.ColourPipeline("waiting", "colours.txt", model: "not-installed"),
            PipelineRequests.ColourPipeline("misfit", "colours.txt"),
            PipelineRequests.ColourPipeline("small", "colours.txt"),
            PipelineRequests.ColourPipeline("raw", "colours.txt"),
            new Dictionary<string, string?>
            {
                ["Pipelines:misfit:Normalize:Layout"] = "NHWC",
                ["Pipelines:small:Limits:MaxEncodedBytes"] = "1000",
                ["Pipelines:raw:Post:Enabled"] = "false",
            }));
        Http = new HttpClient { BaseAddress = Agent.HttpUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (Agent is not null)
        {
            await Agent.DisposeAsync();
        }
        _scratch.Dispose();
    }

    internal T Service<T>()
        where T : notnull => Agent.Services.GetRequiredService<T>();
}

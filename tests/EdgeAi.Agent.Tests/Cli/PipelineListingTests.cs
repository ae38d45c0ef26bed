using EdgeAi.Agent.Cli;
using EdgeAi.Common.Onnx;
using EdgeAi.Serving.Store;
using Microsoft.Extensions.Configuration;

namespace EdgeAi.Agent.Tests.Cli;

/// <summary><c>edge-agent models list</c>'s pipelines: read from configuration as the agent binds them, each with its model's place in the store.</summary>
public sealed class PipelineListingTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("edgeai-listing-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private string List(Dictionary<string, string?> settings, Action<ModelStore>? install = null)
    {
        var store = new ModelStore(Path.Combine(_data, "models"), TimeProvider.System);
        install?.Invoke(store);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var output = new StringWriter();
        PipelineListing.Write(output, PipelineListing.Read(configuration), store, _data).ShouldBe(0);
        return output.ToString();
    }

    private void InstallChannels(ModelStore store)
    {
        var file = Path.Combine(_data, "channels.onnx");
        File.WriteAllBytes(file, SampleModels.ChannelClassifier(32));
        store.Add(file, "channels", "1");
    }

    private static Dictionary<string, string?> Pipeline(string name, string model, string? version = null) => new()
    {
        [$"Pipelines:{name}:Model"] = model,
        [$"Pipelines:{name}:ModelVersion"] = version,
        [$"Pipelines:{name}:Resize:Width"] = "32",
        [$"Pipelines:{name}:Resize:Height"] = "32",
    };

    [Fact]
    public void Write_NoPipelines_WritesNothing()
    {
        List([]).ShouldBeEmpty();
    }

    [Fact]
    public void Write_ModelInstalled_SaysSoWithTheTensorItMakes()
    {
        var listing = List(Pipeline("colours", "channels"), InstallChannels);

        var line = listing.Split('\n').Single(l => l.StartsWith("colours ", StringComparison.Ordinal));
        line.ShouldContain("channels");
        line.ShouldContain("model installed (v1); image in: 32 × 32 NCHW FP32");
    }

    [Fact]
    public void Write_ModelMissingOrPinnedVersionMissing_SaysTheHubMayServeIt()
    {
        var settings = new Dictionary<string, string?>(Pipeline("elsewhere", "not-here"));
        foreach (var (k, v) in Pipeline("pinned", "channels", version: "7"))
        {
            settings[k] = v;
        }

        var listing = List(settings, InstallChannels);

        listing.ShouldContain("model not installed: served through the hub if it has the model, else not ready");
        listing.ShouldContain("channels v7");
        listing.ShouldContain("version 7 not installed (installed: 1)");
    }

    [Fact]
    public void Write_InvalidSettings_NamesThemAsTheAgentWould()
    {
        var settings = Pipeline("broken", "channels");
        settings["Pipelines:broken:Resize:Width"] = "0";

        List(settings).ShouldContain("invalid settings, the agent will not start: Pipelines:broken:Resize:Width is 0;");
    }
}

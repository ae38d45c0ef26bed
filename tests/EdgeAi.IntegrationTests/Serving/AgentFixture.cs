using System.Globalization;
using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;

[assembly: AssemblyFixture(typeof(EdgeAi.IntegrationTests.Serving.AgentFixture))]

namespace EdgeAi.IntegrationTests.Serving;

/// <summary>
/// One <see cref="TestAgent"/> (no hub) for every serving test in the assembly, with a store holding good
/// models, one corrupt model and one whose file was changed after install. The classes that share it check
/// its error log after each of their tests (<see cref="VerifyNoErrors"/>) and it checks it again when it stops.
/// </summary>
public sealed class AgentFixture : IAsyncLifetime
{
    public const int MaxRequestBytes = 1024 * 1024;

    private readonly Scratch _scratch = new("edgeai-it-");
    private TestAgent _agent = null!;

    public string DataDirectory => _agent.DataDirectory;

    public GrpcChannel Channel => _agent.Channel;

    public GRPCInferenceService.GRPCInferenceServiceClient Grpc => _agent.Grpc;

    public HttpClient Http { get; private set; } = null!;

    public Uri GrpcUri => _agent.GrpcUri;

    internal ModelLoader Loader => _agent.Services.GetRequiredService<ModelLoader>();

    public ModelStore Store => _agent.Store;

    public async ValueTask InitializeAsync()
    {
        _agent = new TestAgent(_scratch.Sub("agent"));
        Install("classifier", SampleModels.Classifier());
        Install("classifier-int8", SampleModels.ClassifierInt8Qdq());
        Install("scale", SampleModels.Scale(2f));
        Install("add", SampleModels.AddTwo());
        Install("conv", SampleModels.ConvClassifier());
        Install("strings", SampleModels.Identity(OnnxElementType.String, -1));
        Store.InstallCorrupt("corrupt");
        var tampered = Install("tampered", SampleModels.Classifier());
        await File.AppendAllTextAsync(tampered.ModelPath, "changed after install");
        // Both refusals are what the tests of them look for (ModelMetadata reports them as failure reasons).
        _agent.ExpectErrors(typeof(ModelHost), 1002, "Model corrupt version 1 failed to load");
        _agent.ExpectErrors(typeof(ModelHost), 1002, "Model tampered version 1 failed to load");

        await _agent.StartAsync(hub: null, new Dictionary<string, string?>
        {
            ["ModelHost:MaxRequestBytes"] = MaxRequestBytes.ToString(CultureInfo.InvariantCulture),
        });
        Http = new HttpClient { BaseAddress = _agent.HttpUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public StoredModel Install(string name, byte[] model, string version = "1") => _agent.Install(name, model, version);

    /// <summary>Fails the test that just ran if the agent logged an error it did not expect (see the class summary).</summary>
    public void VerifyNoErrors() => _agent.Errors.VerifyNoErrors();

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        try
        {
            if (_agent is not null)
            {
                await _agent.DisposeAsync();
            }
        }
        finally
        {
            _scratch.Dispose();
        }
    }
}

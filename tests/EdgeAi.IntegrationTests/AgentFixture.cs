using System.Security.Cryptography;
using System.Text;
using EdgeAi.Agent.Hosting;
using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using EdgeAi.Serving.Store;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

[assembly: AssemblyFixture(typeof(EdgeAi.IntegrationTests.AgentFixture))]

namespace EdgeAi.IntegrationTests;

/// <summary>
/// The real agent host on loopback port 0 (REST and gRPC), with a store holding good models, one
/// corrupt model and one whose file was changed after install. Shared by every test in the assembly.
/// </summary>
public sealed class AgentFixture : IAsyncLifetime
{
    public const int MaxRequestBytes = 1024 * 1024;

    private WebApplication? _app;

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("edgeai-it-").FullName;

    public GrpcChannel Channel { get; private set; } = null!;

    public GRPCInferenceService.GRPCInferenceServiceClient Grpc { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public Uri GrpcUri { get; private set; } = null!;

    internal ModelLoader Loader => _app!.Services.GetRequiredService<ModelLoader>();

    public ModelStore Store { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Store = new ModelStore(Path.Combine(DataDirectory, "models"), TimeProvider.System);
        Install("classifier", SampleModels.Classifier());
        Install("classifier-int8", SampleModels.ClassifierInt8Qdq());
        Install("scale", SampleModels.Scale(2f));
        Install("add", SampleModels.AddTwo());
        Install("strings", SampleModels.Identity(OnnxElementType.String, -1));
        InstallCorrupt("corrupt");
        var tampered = Install("tampered", SampleModels.Classifier());
        await File.AppendAllTextAsync(tampered.ModelPath, "changed after install");

        _app = AgentHost.Build(new Dictionary<string, string?>
        {
            ["Agent:DataDirectory"] = DataDirectory,
            ["Agent:HttpPort"] = "0",
            ["Agent:GrpcPort"] = "0",
            ["Agent:ModelRescanInterval"] = "01:00:00",
            ["ModelHost:IntraOpThreads"] = "1",
            ["ModelHost:MaxRequestBytes"] = MaxRequestBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await _app.StartAsync();
        await Loader.InitialLoad.WaitAsync(TimeSpan.FromSeconds(60));

        var endpoints = _app.Services.GetRequiredService<AgentEndpoints>();
        GrpcUri = endpoints.GrpcUri;
        Channel = GrpcChannel.ForAddress(GrpcUri);
        Grpc = new GRPCInferenceService.GRPCInferenceServiceClient(Channel);
        Http = new HttpClient { BaseAddress = endpoints.HttpUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public StoredModel Install(string name, byte[] model, string version = "1")
    {
        var file = Path.Combine(DataDirectory, name + ".onnx");
        File.WriteAllBytes(file, model);
        return Store.Add(file, name, version);
    }

    /// <summary>A version whose manifest matches its file but whose file is no ONNX model: ONNX Runtime must refuse it at load.</summary>
    private void InstallCorrupt(string name)
    {
        var dir = Directory.CreateDirectory(Path.Combine(Store.Root, name, "1")).FullName;
        var bytes = Encoding.ASCII.GetBytes("this was an ONNX model until the disk lost a sector");
        File.WriteAllBytes(Path.Combine(dir, ModelStore.ModelFileName), bytes);
        File.WriteAllText(Path.Combine(dir, ModelStore.ManifestFileName), $$"""
            {"name":"{{name}}","version":"1","sha256":"{{Convert.ToHexStringLower(SHA256.HashData(bytes))}}","sizeBytes":{{bytes.Length}},"inputs":[],"outputs":[]}
            """);
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        Channel?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Directory.Delete(DataDirectory, recursive: true);
    }
}

using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeAi.Agent.Hosting;
using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;
using Google.Protobuf;
using Grpc.Net.Client;

namespace EdgeAi.Agent.Cli;

/// <summary>
/// <c>edge-agent quickstart</c>: the whole serving path on this machine with nothing to download.
/// Builds two small classifiers (fp32 and INT8 QDQ), installs them, starts the agent on free
/// loopback ports, answers one request over gRPC and one over REST, checks both against a plain C#
/// reference, and stops.
/// </summary>
internal static class QuickstartCommand
{
    private static readonly float[] Sample = [0.5f, -1f, 1.5f, 2f];

    public static Command Create()
    {
        var command = new Command("quickstart", "Install two sample models, serve them, answer one gRPC and one REST request, and stop.");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var keep = parse.GetValue(AgentCli.DataDirectory) is not null;
            var dataDir = keep ? Path.GetFullPath(parse.GetValue(AgentCli.DataDirectory)!) : Directory.CreateTempSubdirectory("edgeai-quickstart-").FullName;
            try
            {
                return await RunAsync(dataDir, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (!keep)
                {
                    Directory.Delete(dataDir, recursive: true);
                }
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(string dataDir, CancellationToken cancellationToken)
    {
        var store = new ModelStore(Path.Combine(dataDir, "models"), TimeProvider.System);
        Install(store, "classifier", SampleModels.Classifier());
        Install(store, "classifier-int8", SampleModels.ClassifierInt8Qdq());

        var app = AgentHost.Build(new Dictionary<string, string?>
        {
            ["Agent:DataDirectory"] = dataDir,
            ["Agent:HttpPort"] = "0",
            ["Agent:GrpcPort"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await using (app.ConfigureAwait(false))
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            await app.Services.GetRequiredService<ModelLoader>().InitialLoad.WaitAsync(cancellationToken).ConfigureAwait(false);
            var endpoints = app.Services.GetRequiredService<AgentEndpoints>();
            Console.WriteLine($"edge agent {AgentHost.Version} listening: gRPC {endpoints.GrpcUri}, REST {endpoints.HttpUri}");
            foreach (var model in app.Services.GetRequiredService<ModelHost>().Models)
            {
                Console.WriteLine($"  {model.Name} v{model.Version}: {model.State} on {model.ExecutionProvider}"
                    + string.Concat(model.SkippedProviders.Select(s => $"\n    skipped {s}")));
            }

            var expected = SampleModels.ClassifierReference(Sample);
            Console.WriteLine($"input [{string.Join(", ", Sample)}]; reference probabilities [{Format(expected)}]");

            using var channel = GrpcChannel.ForAddress(endpoints.GrpcUri);
            var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
            var grpcResponse = await client.ModelInferAsync(Request("classifier"), cancellationToken: cancellationToken).ConfigureAwait(false);
            var grpcResult = RawTensor.ToDoubles(TensorDatatype.Fp32, grpcResponse.RawOutputContents[0].Span);
            Console.WriteLine($"gRPC  classifier      -> [{Format(grpcResult)}]");

            using var http = new HttpClient { BaseAddress = endpoints.HttpUri };
            var body = $"{{\"inputs\":[{{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[{string.Join(",", Sample.Select(v => v.ToString(CultureInfo.InvariantCulture)))}]}}]}}";
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var httpResponse = await http.PostAsync(new Uri("/v2/models/classifier-int8/infer", UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
            var json = await httpResponse.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            using var document = JsonDocument.Parse(json);
            var restResult = document.RootElement.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Console.WriteLine($"REST  classifier-int8 -> [{Format(restResult)}]");

            var fp32Error = MaxError(grpcResult, expected);
            var int8Error = MaxError(restResult, expected);
            var ok = fp32Error < 1e-5 && int8Error < 0.05;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"max |error| vs reference: fp32 {fp32Error:0.0e0}, int8 {int8Error:0.0000} -> {(ok ? "OK" : "MISMATCH")}"));
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
            return ok ? 0 : 1;
        }
    }

    private static void Install(ModelStore store, string name, byte[] model)
    {
        var file = Path.Combine(store.Root, "..", name + ".onnx");
        Directory.CreateDirectory(store.Root);
        File.WriteAllBytes(file, model);
        store.Add(file, name, "1", ModelsCommand.TryLoad);
        File.Delete(file);
    }

    private static ModelInferRequest Request(string model)
    {
        var request = new ModelInferRequest { ModelName = model };
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32" };
        input.Shape.AddRange([1, Sample.Length]);
        request.Inputs.Add(input);
        request.RawInputContents.Add(UnsafeByteOperations.UnsafeWrap(RawTensor.FromDoubles(TensorDatatype.Fp32, [.. Sample.Select(v => (double)v)])));
        return request;
    }

    private static double MaxError(double[] actual, float[] expected) =>
        actual.Length != expected.Length ? double.PositiveInfinity : actual.Select((v, i) => Math.Abs(v - expected[i])).Max();

    private static string Format(IEnumerable<double> values) => string.Join(", ", values.Select(v => v.ToString("0.0000", CultureInfo.InvariantCulture)));

    private static string Format(IEnumerable<float> values) => Format(values.Select(v => (double)v));
}

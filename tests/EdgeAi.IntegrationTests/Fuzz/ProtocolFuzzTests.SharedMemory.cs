using System.Globalization;
using System.Text;
using EdgeAi.Common.Inference;
using EdgeAi.IntegrationTests.Serving;

namespace EdgeAi.IntegrationTests.Fuzz;

/// <summary>System shared memory on the agent: random keys, offsets and sizes, references, unregisters and truncations.</summary>
public sealed partial class ProtocolFuzzTests
{
    private static readonly long[] ShmNumbers = [0, 1, 4, 7, 8, 12, 15, 16, 48, 63, 64, 4095, 4096, 4097, int.MaxValue, 1L << 32, long.MaxValue, -1, -8, long.MinValue];

    [Fact]
    public async Task AgentSharedMemory_RandomRegionsReferencesAndTruncations_NeverAnswer5xxOrInternal()
    {
        var fuzz = new MalformedRequests(FuzzSeed.For("agent-shm"));
        var verdict = new FuzzVerdict("agent system shared memory");
        using var http = new HttpClient { BaseAddress = hosts.AgentHttp, Timeout = TimeSpan.FromSeconds(30) };
        var objects = new[] { 16L, 64L, 4096L }.Select(size => new SharedMemoryObject(size, "edgeai-fuzz")).ToList();
        try
        {
            string[] names = ["a", "b", "c", "d", "", "..", "x/y"];
            for (var i = 0; i < Iterations; i++)
            {
                var shm = fuzz.Pick(objects);
                var name = fuzz.Chance(0.85) ? fuzz.Pick(names) : fuzz.JunkString();
                switch (fuzz.Next(10))
                {
                    case 0 or 1:
                        var key = fuzz.Next(6) switch
                        {
                            < 3 => shm.Key,
                            3 => fuzz.Pick(["", "/", "/..", "/a/b", "noslash", shm.Key + "-gone", "/" + new string('k', 300), "//x", "/proc"]),
                            4 => shm.Key + fuzz.JunkString(),
                            _ => "/" + fuzz.JunkString(),
                        };
                        var offset = (ulong)fuzz.Pick(ShmNumbers);
                        var size = (ulong)fuzz.Pick(ShmNumbers);
                        if (fuzz.Chance(0.5))
                        {
                            await CallAsync(verdict, i, $"register '{name}' {key} {offset}+{size}", () => hosts.Agent.Grpc.SystemSharedMemoryRegisterAsync(
                                new SystemSharedMemoryRegisterRequest { Name = name, Key = key, Offset = offset, ByteSize = size }, cancellationToken: Token).ResponseAsync);
                        }
                        else
                        {
                            var body = fuzz.Chance(0.8)
                                ? $$"""{"key":"{{System.Text.Json.JsonEncodedText.Encode(key)}}","offset":{{Json(fuzz)}},"byte_size":{{Json(fuzz)}}}"""
                                : fuzz.Pick(["", "{", "[]", "{\"key\":1}", "{\"key\":\"/x\"}", "null", fuzz.JunkString()]);
                            await PostAsync(verdict, i, http, $"/v2/systemsharedmemory/region/{Uri.EscapeDataString(name)}/register", body);
                        }
                        break;
                    case 2:
                        await PostAsync(verdict, i, http, fuzz.Chance(0.8) ? $"/v2/systemsharedmemory/region/{Uri.EscapeDataString(name)}/unregister" : "/v2/systemsharedmemory/unregister", "");
                        break;
                    case 3:
                        await CallAsync(verdict, i, $"status '{name}'", () => hosts.Agent.Grpc.SystemSharedMemoryStatusAsync(
                            new SystemSharedMemoryStatusRequest { Name = name }, cancellationToken: Token).ResponseAsync);
                        await RestAsync(verdict, i, $"GET status '{name}'", http, new HttpRequestMessage(HttpMethod.Get,
                            new Uri($"/v2/systemsharedmemory/region/{Uri.EscapeDataString(name)}/status", UriKind.Relative)));
                        break;
                    case 4:
                        // The agent must refuse a region whose object shrank, not touch it (SIGBUS would kill it).
                        shm.Truncate(fuzz.Chance(0.5) ? fuzz.Next((int)shm.Size) : shm.Size);
                        break;
                    default:
                        var request = ShmInferRequest(fuzz, names);
                        if (fuzz.Chance(0.5))
                        {
                            await CallAsync(verdict, i, $"infer {Describe(request)} {Short(request.Inputs.ToString())}",
                                () => hosts.Agent.Grpc.ModelInferAsync(request, cancellationToken: Token).ResponseAsync);
                        }
                        else
                        {
                            await PostAsync(verdict, i, http, $"/v2/models/{request.ModelName}/infer", ShmJson(fuzz, request));
                        }
                        break;
                }
            }
            verdict.ShouldHaveNone();
            await AssertAliveAsync();
        }
        finally
        {
            await hosts.Agent.Grpc.SystemSharedMemoryUnregisterAsync(new SystemSharedMemoryUnregisterRequest(), cancellationToken: Token);
            objects.ForEach(o => o.Dispose());
        }
    }

    private static ModelInferRequest ShmInferRequest(MalformedRequests fuzz, string[] names)
    {
        var model = fuzz.Pick([.. FuzzHosts.AgentModels, FuzzHosts.HubModels[^3]]);
        var request = new ModelInferRequest { ModelName = model.Name };
        foreach (var input in model.Inputs)
        {
            var tensor = new ModelInferRequest.Types.InferInputTensor { Name = input.Name, Datatype = fuzz.Chance(0.9) ? input.Datatype : fuzz.Pick(MalformedRequests.Datatypes) };
            for (var d = 0; d < input.Rank; d++)
            {
                tensor.Shape.Add(d == input.Rank - 1 && input.Last is { } last && fuzz.Chance(0.8) ? last : fuzz.Chance(0.8) ? fuzz.Next(4) + 1 : fuzz.Pick(MalformedRequests.Dimensions));
            }
            if (fuzz.Chance(0.8))
            {
                AddReference(fuzz, tensor.Parameters, names);
            }
            else
            {
                request.RawInputContents.Add(Google.Protobuf.ByteString.CopyFrom(fuzz.RandomBytes(fuzz.Next(64))));
            }
            if (fuzz.Chance(0.1))
            {
                tensor.Contents = new InferTensorContents { Fp32Contents = { 1f, 2f } };
            }
            request.Inputs.Add(tensor);
        }
        if (fuzz.Chance(0.5))
        {
            var output = new ModelInferRequest.Types.InferRequestedOutputTensor { Name = fuzz.Pick(["probabilities", "output", "sum", "nope"]) };
            AddReference(fuzz, output.Parameters, names);
            request.Outputs.Add(output);
        }
        return request;
    }

    private static void AddReference(MalformedRequests fuzz, Google.Protobuf.Collections.MapField<string, InferParameter> parameters, string[] names)
    {
        if (fuzz.Chance(0.9))
        {
            parameters[SharedMemoryRequests.Region] = fuzz.Chance(0.9) ? new InferParameter { StringParam = fuzz.Pick(names) } : new InferParameter { Int64Param = 3 };
        }
        if (fuzz.Chance(0.9))
        {
            parameters[SharedMemoryRequests.ByteSize] = Number(fuzz);
        }
        if (fuzz.Chance(0.5))
        {
            parameters[SharedMemoryRequests.Offset] = Number(fuzz);
        }
    }

    private static InferParameter Number(MalformedRequests fuzz) => fuzz.Next(8) switch
    {
        0 => new InferParameter { Uint64Param = ulong.MaxValue - (ulong)fuzz.Next(3) },
        1 => new InferParameter { DoubleParam = 16.5 },
        2 => new InferParameter { StringParam = "16" },
        3 => new InferParameter { BoolParam = true },
        _ => new InferParameter { Int64Param = fuzz.Pick(ShmNumbers) },
    };

    /// <summary>The REST form: parameters as JSON values (any kind), data only on inputs without a region (or by mistake on some with one).</summary>
    private static string ShmJson(MalformedRequests fuzz, ModelInferRequest request)
    {
        var json = new StringBuilder("{\"inputs\":[");
        foreach (var input in request.Inputs)
        {
            json.Append(CultureInfo.InvariantCulture, $"{{\"name\":\"{input.Name}\",\"datatype\":\"{System.Text.Json.JsonEncodedText.Encode(input.Datatype)}\",\"shape\":[{string.Join(",", input.Shape)}]");
            json.Append(",\"parameters\":").Append(Parameters(fuzz, input.Parameters));
            if (input.Parameters.Count == 0 || fuzz.Chance(0.1))
            {
                json.Append(",\"data\":[1,2,3,4]");
            }
            json.Append("},");
        }
        json.Length--;
        json.Append(']');
        if (request.Outputs.Count > 0)
        {
            json.Append(CultureInfo.InvariantCulture, $",\"outputs\":[{{\"name\":\"{request.Outputs[0].Name}\",\"parameters\":{Parameters(fuzz, request.Outputs[0].Parameters)}}}]");
        }
        return json.Append('}').ToString();
    }

    private static string Parameters(MalformedRequests fuzz, Google.Protobuf.Collections.MapField<string, InferParameter> parameters) =>
        "{" + string.Join(",", parameters.Select(p => $"\"{p.Key}\":" + (p.Value.ParameterChoiceCase == InferParameter.ParameterChoiceOneofCase.StringParam
            ? $"\"{System.Text.Json.JsonEncodedText.Encode(p.Value.StringParam)}\""
            : Json(fuzz)))) + "}";

    private static string Json(MalformedRequests fuzz) =>
        fuzz.Pick(["0", "4", "8", "16", "12", "64", "-1", "1.5", "1e400", "18446744073709551615", "9223372036854775808", "\"16\"", "true", "null", "[]", "{}"]);

    private static Task<(int? Status, string Body)> PostAsync(FuzzVerdict verdict, int i, HttpClient http, string path, string body) =>
        RestAsync(verdict, i, $"POST {Short(path)} {Short(body)}", http, new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        });
}

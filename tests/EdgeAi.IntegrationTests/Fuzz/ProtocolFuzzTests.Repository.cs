using System.Net.Http.Headers;
using System.Text;
using EdgeAi.Common.Inference;
using Google.Protobuf;

namespace EdgeAi.IntegrationTests.Fuzz;

/// <summary>
/// The model repository and statistics extensions under malformed calls. Load and unload only ever name models
/// the hosts do not have (a real unload would take a model the other fuzz tests serve away); statistics and
/// the index take real and junk names alike. On the hub, a device key must be refused load and unload.
/// </summary>
public sealed partial class ProtocolFuzzTests
{
    // Raw frames to these carry ModelMetadataRequest bytes (see SendFramesAsync): its name decodes as repository_name, never a model to unload.
    private static readonly string[] RepositoryAndStatisticsMethods =
    [
        "/inference.GRPCInferenceService/ModelStatistics", "/inference.GRPCInferenceService/RepositoryIndex",
        "/inference.GRPCInferenceService/RepositoryModelLoad", "/inference.GRPCInferenceService/RepositoryModelUnload",
    ];

    [Fact]
    public async Task AgentRepositoryAndStatistics_MalformedCalls_AnswerWhatWasWrong()
    {
        var fuzz = new MalformedRequests(FuzzSeed.For("agent-repository"));
        var verdict = new FuzzVerdict("agent repository and statistics");
        await SendRepositoryGrpcAsync(fuzz, verdict, hosts.Agent.Grpc, new Grpc.Core.Metadata(), FuzzHosts.AgentModels);
        using var http = new HttpClient { BaseAddress = hosts.AgentHttp, Timeout = TimeSpan.FromSeconds(30) };
        await SendRepositoryRestAsync(fuzz, verdict, http, FuzzHosts.AgentModels);
        verdict.ShouldHaveNone();
        await AssertAliveAsync();
    }

    [Fact]
    public async Task HubRepositoryAndStatistics_MalformedCallsWithDeviceKey_AnswerWhatWasWrong()
    {
        var fuzz = new MalformedRequests(FuzzSeed.For("hub-repository"));
        var verdict = new FuzzVerdict("hub repository and statistics");
        var (channel, client, headers) = hosts.Hub.Client();
        using (channel)
        {
            await SendRepositoryGrpcAsync(fuzz, verdict, client, headers, FuzzHosts.HubModels);
            // A device naming a real model: refused, and the model keeps serving (AssertAliveAsync infers on it).
            var refused = await Should.ThrowAsync<Grpc.Core.RpcException>(() =>
                client.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = "cube" }, headers, cancellationToken: Token).ResponseAsync);
            refused.StatusCode.ShouldBe(Grpc.Core.StatusCode.PermissionDenied);
        }
        using (var device = AdminApi.AdminClient(hosts.Hub, key: null))
        {
            device.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestHub.DeviceKey);
            await SendRepositoryRestAsync(fuzz, verdict, device, FuzzHosts.HubModels);
        }
        verdict.ShouldHaveNone();
        await AssertAliveAsync();
    }

    private static async Task SendRepositoryGrpcAsync(
        MalformedRequests fuzz, FuzzVerdict verdict, GRPCInferenceService.GRPCInferenceServiceClient client, Grpc.Core.Metadata headers, IReadOnlyList<FuzzModel> models)
    {
        var real = models.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < Iterations; i++)
        {
            var name = fuzz.Chance(0.5) ? fuzz.Pick(models).Name : fuzz.JunkString();
            var version = fuzz.Chance(0.5) ? "" : fuzz.Pick(["1", "2", "0", "-1", fuzz.JunkString()]);
            var repository = fuzz.Chance(0.8) ? "" : fuzz.JunkString();
            await CallAsync(verdict, i, $"ModelStatistics '{Short(name)}' v'{Short(version)}'", () =>
                client.ModelStatisticsAsync(new ModelStatisticsRequest { Name = fuzz.Chance(0.1) ? "" : name, Version = version }, headers, cancellationToken: Token).ResponseAsync);
            await CallAsync(verdict, i, $"RepositoryIndex '{Short(repository)}'", () =>
                client.RepositoryIndexAsync(new RepositoryIndexRequest { RepositoryName = repository, Ready = fuzz.Chance(0.5) }, headers, cancellationToken: Token).ResponseAsync);
            var target = fuzz.JunkString();
            if (real.Contains(target))
            {
                continue;
            }
            var load = new RepositoryModelLoadRequest { RepositoryName = repository, ModelName = target };
            var unload = new RepositoryModelUnloadRequest { RepositoryName = repository, ModelName = target };
            if (fuzz.Chance(0.3))
            {
                var parameter = fuzz.Next(4) switch
                {
                    0 => new ModelRepositoryParameter { BoolParam = fuzz.Chance(0.5) },
                    1 => new ModelRepositoryParameter { Int64Param = fuzz.Next(1000) - 500 },
                    2 => new ModelRepositoryParameter { StringParam = fuzz.JunkString() },
                    _ => new ModelRepositoryParameter { BytesParam = ByteString.CopyFrom(fuzz.RandomBytes(fuzz.Next(64))) },
                };
                var key = fuzz.Pick(["unload_dependents", "config", "file:1/model.onnx", fuzz.JunkString()]);
                load.Parameters[key] = parameter;
                unload.Parameters[key] = parameter;
            }
            await CallAsync(verdict, i, $"RepositoryModelLoad '{Short(target)}' {load.Parameters.Count} parameters", () =>
                client.RepositoryModelLoadAsync(load, headers, cancellationToken: Token).ResponseAsync);
            await CallAsync(verdict, i, $"RepositoryModelUnload '{Short(target)}' {unload.Parameters.Count} parameters", () =>
                client.RepositoryModelUnloadAsync(unload, headers, cancellationToken: Token).ResponseAsync);
        }
    }

    private static async Task SendRepositoryRestAsync(MalformedRequests fuzz, FuzzVerdict verdict, HttpClient http, IReadOnlyList<FuzzModel> models)
    {
        var names = models.Select(m => m.Name).ToList();
        string[] bodies =
        [
            "", "{}", """{"ready":true}""", """{"ready":"true"}""", """{"ready":null}""", """{"ready":1e309}""", """{"ready":[true]}""", "[]", "null", "true",
            """{"parameters":{}}""", """{"parameters":{"unload_dependents":true}}""", """{"parameters":{"unload_dependents":"x"}}""", """{"parameters":{"config":"{}"}}""",
            """{"parameters":[]}""", """{"parameters":null}""", "{", """{"ready":true""", "\"\\u0000\"",
        ];
        for (var i = 0; i < Iterations; i++)
        {
            var body = fuzz.Chance(0.8) ? fuzz.Pick(bodies) : fuzz.Chance(0.5) ? fuzz.JunkString() : new string('{', fuzz.Next(3000));
            var junk = fuzz.PathSegment(["ghost", "nope"]);
            var (method, path) = fuzz.Next(6) switch
            {
                0 => (HttpMethod.Post, "/v2/repository/index"),
                // Only names the hosts do not have are loaded or unloaded (see the class summary).
                1 => (HttpMethod.Post, $"/v2/repository/models/{(names.Contains(junk) ? "ghost" : junk)}/load"),
                2 => (HttpMethod.Post, $"/v2/repository/models/{(names.Contains(junk) ? "ghost" : junk)}/unload"),
                3 => (HttpMethod.Get, "/v2/models/stats"),
                4 => (HttpMethod.Get, $"/v2/models/{fuzz.PathSegment(names)}/stats"),
                _ => (fuzz.Chance(0.9) ? HttpMethod.Get : HttpMethod.Post, $"/v2/models/{fuzz.PathSegment(names)}/versions/{fuzz.PathSegment(["1", "2"])}/stats"),
            };
            var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
            var what = $"{method} {Short(path)}";
            if (method == HttpMethod.Post)
            {
                request.Content = new StringContent(body, Encoding.UTF8, fuzz.Pick(["application/json", "text/plain", "application/json"]));
                what += $" {Short(body)}";
            }
            await RestAsync(verdict, i, what, http, request);
        }
    }
}

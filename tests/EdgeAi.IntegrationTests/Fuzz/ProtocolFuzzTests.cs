using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using EdgeAi.Common.Fleet;
using EdgeAi.Common.Inference;
using Google.Protobuf;
using Grpc.Core;

namespace EdgeAi.IntegrationTests.Fuzz;

/// <summary>
/// Malformed requests, generated from a logged seed, against every protocol surface of the agent and
/// the hub. Each test asserts that no answer is a server error (see <see cref="FuzzVerdict"/>), then
/// that both processes still answer their health routes and serve good requests — the agent locally
/// and through fallback, which also shows the agent's hub circuit stayed closed.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed partial class ProtocolFuzzTests(FuzzHosts hosts) : IClassFixture<FuzzHosts>, IDisposable
{
    private const int Iterations = 300;
    private const string InferMethod = "/inference.GRPCInferenceService/ModelInfer";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AgentGrpc_MalformedInferenceRequests_AnswerWhatWasWrong()
    {
        var fuzz = new MalformedRequests(FuzzSeed.For("agent-grpc"));
        var verdict = new FuzzVerdict("agent gRPC ModelInfer");
        for (var i = 0; i < Iterations; i++)
        {
            var request = fuzz.InferRequest(FuzzHosts.HubModels);
            await CallAsync(verdict, i, Describe(request), () => hosts.Agent.Grpc.ModelInferAsync(request, cancellationToken: Token).ResponseAsync);
        }
        for (var i = 0; i < Iterations / 3; i++)
        {
            var name = fuzz.Chance(0.5) ? fuzz.Pick(FuzzHosts.HubModels).Name : fuzz.JunkString();
            var version = fuzz.Chance(0.7) ? "" : fuzz.JunkString();
            await CallAsync(verdict, i, $"ModelMetadata '{name}' v'{version}'", () =>
                hosts.Agent.Grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = name, Version = version }, cancellationToken: Token).ResponseAsync);
            await CallAsync(verdict, i, $"ModelReady '{name}' v'{version}'", () =>
                hosts.Agent.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = name, Version = version }, cancellationToken: Token).ResponseAsync);
        }
        verdict.ShouldHaveNone();
        await AssertAliveAsync();
    }

    [Fact]
    public async Task AgentGrpc_DamagedFramesAndProtobuf_AnswerCannotParse()
    {
        var fuzz = new MalformedRequests(FuzzSeed.For("agent-grpc-raw"));
        var verdict = new FuzzVerdict("agent gRPC raw frames");
        using var raw = new RawGrpc(hosts.Agent.GrpcUri);
        await SendFramesAsync(fuzz, verdict, raw, FuzzHosts.AgentModels);
        verdict.ShouldHaveNone();
        await AssertAliveAsync();
    }

    [Fact]
    public async Task AgentRest_MalformedBodiesAndRoutes_NeverAnswer5xx()
    {
        var fuzz = new MalformedRequests(FuzzSeed.For("agent-rest"));
        var verdict = new FuzzVerdict("agent REST");
        using var http = new HttpClient { BaseAddress = hosts.AgentHttp, Timeout = TimeSpan.FromSeconds(30) };
        await SendRestAsync(fuzz, verdict, http, FuzzHosts.HubModels);
        await SendChunkedAsync(fuzz, verdict, hosts.AgentHttp, fingerprint: null, bearer: null);
        verdict.ShouldHaveNone();
        await AssertAliveAsync();
    }

    [Fact]
    public async Task AgentRest_MalformedBinaryFraming_Answers400Or404Or413()
    {
        var fuzz = new MalformedBinaryBodies(new MalformedRequests(FuzzSeed.For("agent-rest-binary")));
        var verdict = new FuzzVerdict("agent REST binary tensor data");
        using var http = new HttpClient { BaseAddress = hosts.AgentHttp, Timeout = TimeSpan.FromSeconds(30) };
        for (var i = 0; i < Iterations; i++)
        {
            var model = FuzzHosts.HubModels[i % FuzzHosts.HubModels.Count];
            var body = fuzz.Body(model);
            var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/v2/models/{model.Name}/infer", UriKind.Relative)) { Content = new ByteArrayContent(body.Bytes) };
            if (body.HeaderLength is not null)
            {
                request.Headers.TryAddWithoutValidation("Inference-Header-Content-Length", body.HeaderLength);
            }
            var what = $"POST {model.Name} {body.What} ({body.Bytes.Length} bytes, header '{body.HeaderLength}')";
            var (status, answer) = await RestAsync(new FuzzVerdict("agent REST binary (any answer)"), i, what, http, request);
            // Stricter than the other REST surfaces: the framing is the caller's alone, so only success or a client error fits.
            var allowed = status is 200 or 400 or 404 or 413;
            var code = status?.ToString(CultureInfo.InvariantCulture) ?? "no answer";
            verdict.Other(i, what, allowed ? code : $"{code}: {answer}", allowed);
        }
        verdict.ShouldHaveNone();
        await AssertAliveAsync();
    }

    [Fact]
    public async Task AgentLocalRoutes_MalformedGpioAndRulesCalls_NeverAnswer5xx()
    {
        var fuzz = new MalformedRequests(FuzzSeed.For("agent-local-routes"));
        var verdict = new FuzzVerdict("agent /gpio and /rules");
        using var http = new HttpClient { BaseAddress = hosts.AgentHttp, Timeout = TimeSpan.FromSeconds(30) };
        string[] pins = ["button", "lamp", "status", "1", "2", "3", "7", "8"];
        string[] rules = ["ping", "light"];
        for (var i = 0; i < Iterations; i++)
        {
            var pin = fuzz.PathSegment(pins);
            var (method, path) = fuzz.Next(6) switch
            {
                0 => (fuzz.Pick([HttpMethod.Get, HttpMethod.Delete, HttpMethod.Patch]), "/gpio"),
                1 => (fuzz.Pick([HttpMethod.Get, HttpMethod.Put, HttpMethod.Put, HttpMethod.Post]), $"/gpio/{pin}"),
                2 => (fuzz.Pick([HttpMethod.Post, HttpMethod.Post, HttpMethod.Get]), $"/gpio/{pin}/pulse" + (fuzz.Chance(0.7) ? "?ms=" + fuzz.QueryValue() : "")),
                3 => (fuzz.Pick([HttpMethod.Get, HttpMethod.Post]), "/rules"),
                4 => (fuzz.Pick([HttpMethod.Post, HttpMethod.Post, HttpMethod.Get]), $"/rules/{fuzz.PathSegment(rules)}/fire"),
                _ => (HttpMethod.Put, $"/gpio/{pin}"),
            };
            var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
            var what = $"{method} {Short(path)}";
            if (method != HttpMethod.Get && fuzz.Chance(0.8))
            {
                var value = fuzz.Pick(["1", "0", "true", "false", "\"on\"", "\"high\"", "2", "-1", "1e309", "null", "[]", "{}", "\"\"", "\"\\u0000\""]);
                var body = fuzz.Next(5) switch
                {
                    0 => $"{{\"value\":{value}}}",
                    1 => fuzz.JunkString(),
                    2 => $"{{\"value\":{value}",
                    3 => "[" + value + "]",
                    _ => new string('[', fuzz.Next(2000)),
                };
                request.Content = new StringContent(body, Encoding.UTF8, fuzz.Pick(["application/json", "text/plain", "application/json"]));
                what += $" {Short(body)}";
            }
            await RestAsync(verdict, i, what, http, request);
        }
        verdict.ShouldHaveNone();
        await AssertAliveAsync();
        // The device's own routes still work after the storm.
        (await http.GetStringAsync(new Uri("/gpio/lamp", UriKind.Relative), Token)).ShouldContain("\"name\":\"lamp\"");
    }

    [Fact]
    public async Task HubGrpc_MalformedInferenceRequestsAndFrames_AnswerWhatWasWrong()
    {
        var fuzz = new MalformedRequests(FuzzSeed.For("hub-grpc"));
        var verdict = new FuzzVerdict("hub gRPC inference");
        var (channel, client, headers) = hosts.Hub.Client();
        using (channel)
        {
            for (var i = 0; i < Iterations; i++)
            {
                var request = fuzz.InferRequest(FuzzHosts.HubModels);
                request.Parameters.Remove("edgeai.route");
                await CallAsync(verdict, i, Describe(request), () => client.ModelInferAsync(request, headers, cancellationToken: Token).ResponseAsync);
            }
            // Concurrent ones, so dynamic batching merges malformed requests with good ones.
            var batch = Enumerable.Range(0, Iterations).Select(i =>
            {
                var request = fuzz.Chance(0.5) ? Requests.Fp32("classifier", [1, 4], [1, 2, 3, 4]) : fuzz.InferRequest(FuzzHosts.HubModels);
                return CallAsync(verdict, i, "concurrent " + Describe(request), () => client.ModelInferAsync(request, headers, cancellationToken: Token).ResponseAsync);
            });
            await Task.WhenAll(batch);
        }
        using var raw = new RawGrpc(hosts.Hub.Uri, TestHub.DeviceKey, hosts.Hub.Fingerprint);
        await SendFramesAsync(fuzz, verdict, raw, FuzzHosts.HubModels);
        verdict.ShouldHaveNone();
        await AssertAliveAsync();
    }

    [Fact]
    public async Task HubFleet_MalformedEnrollAndDownload_AnswerWhatWasWrong()
    {
        var fuzz = new MalformedRequests(FuzzSeed.For("hub-fleet"));
        var verdict = new FuzzVerdict("hub fleet gRPC");
        var (channel, _, headers) = hosts.Hub.Client();
        using (channel)
        {
            var fleet = new EdgeAi.Common.Fleet.Fleet.FleetClient(channel);
            for (var i = 0; i < Iterations; i++)
            {
                var enroll = fuzz.EnrollRequest();
                await CallAsync(verdict, i, $"Enroll token '{enroll.Token}' id '{enroll.RequestedDeviceId}'", () => fleet.EnrollAsync(enroll, cancellationToken: Token).ResponseAsync);
                var download = fuzz.DownloadRequest(["hub-only", "classifier", "cube"]);
                await CallAsync(verdict, i, $"DownloadModel '{download.Name}' v'{download.Version}' at {download.Offset}", async () =>
                {
                    using var call = fleet.DownloadModel(download, fuzz.Chance(0.8) ? headers : [], cancellationToken: Token);
                    await foreach (var _ in call.ResponseStream.ReadAllAsync(Token))
                    {
                    }
                    return call;
                });
            }
        }
        using var raw = new RawGrpc(hosts.Hub.Uri, TestHub.DeviceKey, hosts.Hub.Fingerprint);
        for (var i = 0; i < Iterations; i++)
        {
            var (method, message) = fuzz.Chance(0.5)
                ? ("/edgeai.fleet.v1.Fleet/Enroll", fuzz.EnrollRequest().ToByteArray())
                : ("/edgeai.fleet.v1.Fleet/DownloadModel", fuzz.DownloadRequest(["hub-only"]).ToByteArray());
            var body = fuzz.GrpcFrame(message);
            await RawCallAsync(verdict, i, raw, method, body);
        }
        verdict.ShouldHaveNone();
        await AssertAliveAsync();
    }

    [Fact]
    public async Task HubRest_MalformedInferenceAndAdminCalls_NeverAnswer5xx()
    {
        var fuzz = new MalformedRequests(FuzzSeed.For("hub-rest"));
        var verdict = new FuzzVerdict("hub REST");
        using (var device = AdminApi.AdminClient(hosts.Hub, key: null))
        {
            device.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestHub.DeviceKey);
            await SendRestAsync(fuzz, verdict, device, FuzzHosts.HubModels);
        }
        await SendChunkedAsync(fuzz, verdict, hosts.Hub.Uri, hosts.Hub.Fingerprint, TestHub.DeviceKey);
        await SendAdminAsync(fuzz, verdict);
        verdict.ShouldHaveNone();
        await AssertAliveAsync();
    }

    private static async Task SendFramesAsync(MalformedRequests fuzz, FuzzVerdict verdict, RawGrpc raw, IReadOnlyList<FuzzModel> models)
    {
        string[] others = ["/inference.GRPCInferenceService/ModelMetadata", "/inference.GRPCInferenceService/ModelReady",
            "/inference.GRPCInferenceService/ServerLive", "/inference.GRPCInferenceService/ServerMetadata", "/inference.GRPCInferenceService/Nope",
            .. RepositoryAndStatisticsMethods];
        for (var i = 0; i < Iterations; i++)
        {
            var infer = fuzz.Chance(0.75);
            var method = infer ? InferMethod : fuzz.Pick(others);
            var message = infer
                ? (fuzz.Chance(0.7) ? Requests.Fp32("classifier", [1, 4], [1, 2, 3, 4]) : fuzz.InferRequest(models)).ToByteArray()
                : new ModelMetadataRequest { Name = fuzz.Pick(models).Name, Version = fuzz.Chance(0.2) ? "1" : "" }.ToByteArray();
            await RawCallAsync(verdict, i, raw, method, fuzz.GrpcFrame(message));
        }
    }

    private static async Task RawCallAsync(FuzzVerdict verdict, int i, RawGrpc raw, string method, GrpcBody body)
    {
        var what = $"{method} {body.What} ({body.Bytes.Length} bytes{(body.Encoding is null ? "" : ", grpc-encoding " + body.Encoding)})";
        try
        {
            verdict.Grpc(i, what, await raw.CallAsync(method, body, Token));
        }
        catch (HttpRequestException e)
        {
            verdict.Failure(i, what, e);
        }
    }

    private static async Task SendRestAsync(MalformedRequests fuzz, FuzzVerdict verdict, HttpClient http, IReadOnlyList<FuzzModel> models)
    {
        var names = models.Select(m => m.Name).ToList();
        for (var i = 0; i < Iterations; i++)
        {
            var model = fuzz.Pick(models);
            var name = fuzz.Chance(0.8) ? model.Name : fuzz.PathSegment(names);
            HttpRequestMessage request;
            string what;
            if (fuzz.Chance(0.75))
            {
                var (body, damage) = fuzz.JsonBody(model);
                var path = fuzz.Chance(0.8) ? $"/v2/models/{name}/infer" : $"/v2/models/{name}/versions/{fuzz.PathSegment(["1", "2"])}/infer";
                request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = new ByteArrayContent(body) };
                var contentType = fuzz.Pick(["application/json", "application/json", "application/json", "text/plain", "application/json; charset=utf-16", ""]);
                if (contentType.Length > 0)
                {
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                }
                what = $"POST {Short(path)} {damage} ({contentType})";
            }
            else
            {
                var path = fuzz.Pick([$"/v2/models/{name}", $"/v2/models/{name}/ready", $"/v2/models/{name}/versions/{fuzz.PathSegment(["1"])}",
                    $"/v2/models/{name}/versions/{fuzz.PathSegment(["1"])}/ready", "/v2", "/v2/health/ready", "/v2/health/live", $"/v2/{fuzz.PathSegment(names)}"]);
                request = new HttpRequestMessage(fuzz.Chance(0.9) ? HttpMethod.Get : HttpMethod.Post, new Uri(path, UriKind.Relative));
                what = $"{request.Method} {Short(path)}";
            }
            await RestAsync(verdict, i, what, http, request);
        }
    }

    private static async Task SendChunkedAsync(MalformedRequests fuzz, FuzzVerdict verdict, Uri server, string? fingerprint, string? bearer)
    {
        for (var i = 0; i < Iterations / 3; i++)
        {
            var model = fuzz.Pick(FuzzHosts.AgentModels);
            var (json, _) = fuzz.JsonBody(model);
            List<string> headers = ["Content-Type: application/json"];
            if (bearer is not null)
            {
                headers.Add("Authorization: Bearer " + bearer);
            }
            string framing;
            byte[] body;
            bool incomplete;
            if (fuzz.Chance(0.7))
            {
                (framing, body, incomplete) = fuzz.Chunked(json);
                headers.Add("Transfer-Encoding: chunked");
                if (fuzz.Chance(0.1))
                {
                    headers.Add($"Content-Length: {json.Length}");
                    framing += " with Content-Length too";
                }
            }
            else
            {
                var length = fuzz.Pick(["-1", "abc", "99999999999999999999", "18446744073709551615", $"{json.Length + 100}", $"{Math.Max(0, json.Length - 5)}", "1, 2", ""]);
                headers.Add($"Content-Length: {length}");
                (framing, body, incomplete) = ($"Content-Length: {length}", json, length == $"{json.Length + 100}");
            }
            var path = $"/v2/models/{model.Name}/infer";
            var what = $"POST {path} {framing}";
            try
            {
                var (status, head) = await RawHttp.SendAsync(server, RawHttp.Request("POST", path, server.Authority, headers, body), fingerprint, shut: incomplete, Token);
                if (status is not null || !incomplete)
                {
                    verdict.Rest(i, what, status, head);
                }
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException && !Token.IsCancellationRequested)
            {
                verdict.Failure(i, what, e);
            }
        }
    }

    private async Task SendAdminAsync(MalformedRequests fuzz, FuzzVerdict verdict)
    {
        using var admin = AdminApi.AdminClient(hosts.Hub, key: null);
        // Never device-a: revoking it or changing its configuration would change the other tests' agent.
        IReadOnlyList<string> ids = ["device-b", "nobody", "", "..", "%FF", "device-a%00", new string('d', 400)];
        for (var i = 0; i < Iterations; i++)
        {
            var key = fuzz.Next(10) switch { < 7 => TestHub.AdminKey, 7 => null, 8 => "wrong-key-0123456789", _ => TestHub.DeviceKey };
            var id = fuzz.Chance(0.7) ? fuzz.Pick(ids) : Uri.EscapeDataString(fuzz.JunkString());
            var (method, path) = fuzz.Next(23) switch
            {
                0 => (HttpMethod.Get, "/api/devices"),
                1 => (HttpMethod.Get, $"/api/devices/{id}"),
                2 => (HttpMethod.Get, $"/api/devices/{id}/telemetry?from={fuzz.QueryValue()}&to={fuzz.QueryValue()}&limit={fuzz.QueryValue()}"),
                3 => (HttpMethod.Get, "/api/models"),
                4 => (HttpMethod.Get, $"/api/models/{id}/versions/{fuzz.PathSegment(["1"])}"),
                5 => (HttpMethod.Delete, $"/api/models/{id}/versions/{fuzz.PathSegment(["1"])}"),
                6 => (HttpMethod.Post, $"/api/models/{id}/versions/{fuzz.PathSegment(["1"])}"),
                7 => (HttpMethod.Get, "/api/deployments"),
                8 => (HttpMethod.Get, $"/api/deployments/{fuzz.QueryValue()}"),
                9 => (HttpMethod.Post, "/api/deployments"),
                10 => (HttpMethod.Post, $"/api/deployments/{fuzz.QueryValue()}/{fuzz.Pick(["pause", "resume", "rollback"])}"),
                11 => (HttpMethod.Put, $"/api/devices/{id}/config"),
                12 => (HttpMethod.Get, $"/api/devices/{id}/desired"),
                13 => (HttpMethod.Post, "/api/tokens"),
                14 => (HttpMethod.Get, "/api/tokens"),
                15 => (HttpMethod.Delete, $"/api/tokens/{id}"),
                16 => (HttpMethod.Post, $"/api/devices/{id}/revoke"),
                17 => (HttpMethod.Get, $"/api/audit?limit={fuzz.QueryValue()}&action={fuzz.QueryValue()}"),
                18 => (HttpMethod.Post, $"/api/models/{id}/versions/{fuzz.PathSegment(["1"])}/variants/{Variant(fuzz)}"),
                19 => (HttpMethod.Get, $"/api/models/{id}/versions/{fuzz.PathSegment(["1"])}/variants"),
                20 => (HttpMethod.Delete, $"/api/models/{id}/versions/{fuzz.PathSegment(["1"])}/variants/{Variant(fuzz)}"),
                21 => (HttpMethod.Put, $"/api/models/{id}/versions/{fuzz.PathSegment(["1"])}/variants/{Variant(fuzz)}/report"),
                _ => (HttpMethod.Get, fuzz.Pick(["/api/hub", "/api/fleet/devices", "/api/" + fuzz.PathSegment(["x"]), "/dashboard", "/metrics", "/healthz"])),
            };
            var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
            var what = $"{method} {Short(path)} key {(key is null ? "none" : key == TestHub.AdminKey ? "admin" : "wrong")}";
            if (method != HttpMethod.Get && method != HttpMethod.Delete)
            {
                var content = AdminBody(fuzz, path);
                request.Content = new ByteArrayContent(content);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(IsArtifact(path) ? "application/octet-stream" : "application/json");
                what += $" body {Short(Encoding.UTF8.GetString(content))}";
            }
            if (key is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }
            var (status, body) = await RestAsync(verdict, i, what, admin, request);
            // Kestrel (no body: 400 for a NUL in the path, 414 for a request line over its limit, 431 for headers
            // over theirs) and routing (404) may refuse a request before authentication does; any other answer
            // without the admin key would be a hole. The path is the
            // one really sent: the client resolves dot segments ("/api/.." is "/", the open dashboard).
            var sent = request.RequestUri is { IsAbsoluteUri: true } uri ? uri.AbsolutePath : new Uri(admin.BaseAddress!, request.RequestUri!).AbsolutePath;
            if (key != TestHub.AdminKey && sent.StartsWith("/api/", StringComparison.Ordinal) && status is not (401 or 404) && !(status is 400 or 414 or 431 && body.Length == 0))
            {
                verdict.Rest(i, what + " without the admin key", 599, $"answered {status}, not 401");
            }
        }
    }

    private static string Variant(MalformedRequests fuzz) => fuzz.PathSegment(["int8", "fp16", "fp32", "INT8", "int4"]);

    /// <summary>Model and variant uploads take raw ONNX bytes; a variant's report and the other routes take JSON.</summary>
    private static bool IsArtifact(string path) => path.Contains("/versions/", StringComparison.Ordinal) && !path.EndsWith("/report", StringComparison.Ordinal);

    private static byte[] AdminBody(MalformedRequests fuzz, string path)
    {
        if (IsArtifact(path))
        {
            return fuzz.RandomBytes(fuzz.Next(2000));
        }
        var template = path switch
        {
            "/api/tokens" => """{"tags":{"site":"lobby"},"uses":@,"expiresIn":"@"}""",
            "/api/deployments" => """{"model":"@","version":"@","selector":{"site":"@"},"waves":[@],"healthTimeout":"@","maxErrorRate":@,"minHealthyShare":@,"variant":"@"}""",
            _ when path.EndsWith("/report", StringComparison.Ordinal) => """{"method":"@","outputs":[{"name":"@","cosine":@}],"speed":{"ratio":@},"budgetMet":@}""",
            _ => """{"Routing:DefaultPolicy":"@","Telemetry:SampleRate":"@"}""",
        };
        var text = new StringBuilder();
        foreach (var c in template)
        {
            text.Append(c == '@' ? fuzz.Next(3) switch { 0 => fuzz.Pick(["1e400", "-1", "0", "18446744073709551616", "NaN", "null", "1.5"]), 1 => fuzz.JunkString().Replace("\"", "", StringComparison.Ordinal).Replace("\\", "", StringComparison.Ordinal), _ => "10" } : c);
        }
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        return fuzz.Chance(0.2) ? [.. bytes[..fuzz.Next(bytes.Length)], 0xFF, 0xFE] : bytes;
    }

    private static async Task<(int? Status, string Body)> RestAsync(FuzzVerdict verdict, int i, string what, HttpClient http, HttpRequestMessage request)
    {
        using (request)
        {
            try
            {
                using var response = await http.SendAsync(request, Token);
                var body = await response.Content.ReadAsStringAsync(Token);
                verdict.Rest(i, what, (int)response.StatusCode, body);
                return ((int)response.StatusCode, body);
            }
            catch (HttpRequestException e)
            {
                verdict.Failure(i, what, e);
                return (null, "");
            }
        }
    }

    private static async Task CallAsync<T>(FuzzVerdict verdict, int i, string what, Func<Task<T>> call)
    {
        try
        {
            await call();
            verdict.Grpc(i, what, StatusCode.OK, "");
        }
        catch (RpcException e)
        {
            verdict.Grpc(i, what, e.StatusCode, e.Status.Detail);
        }
    }

    /// <summary>Both processes answer health checks and good requests; the agent's fallback still reaches the hub.</summary>
    private async Task AssertAliveAsync()
    {
        using (var http = new HttpClient { BaseAddress = hosts.AgentHttp })
        {
            (await http.GetStringAsync(new Uri("/healthz", UriKind.Relative), Token)).ShouldBe("ok");
        }
        using (var admin = AdminApi.AdminClient(hosts.Hub, key: null))
        {
            (await admin.GetStringAsync(new Uri("/healthz", UriKind.Relative), Token)).ShouldBe("ok");
        }
        var local = await hosts.Agent.Grpc.ModelInferAsync(Requests.Fp32("classifier", [1, 4], [1, 2, 3, 4]), cancellationToken: Token);
        local.Parameters["edgeai.served_by"].StringParam.ShouldBe("local");
        var fallback = await hosts.Agent.Grpc.ModelInferAsync(Requests.Fp32("hub-only", [1, 2], [1, 2]), cancellationToken: Token);
        fallback.Parameters["edgeai.served_by"].StringParam.ShouldBe("cloud", "the agent still falls back to the hub: its circuit is closed");
        Requests.Fp32Output(fallback).ShouldBe([10f, 20f]);
        var (channel, client, headers) = hosts.Hub.Client();
        using (channel)
        {
            Requests.Fp32Output(await client.ModelInferAsync(Requests.Fp32("cube", [1, 1, 2], [3, 4]), headers, cancellationToken: Token)).ShouldBe([3f, 4f]);
        }
    }

    private static string Describe(ModelInferRequest request)
    {
        var inputs = string.Join(" ", request.Inputs.Select(i => $"{Short(i.Name)}:{Short(i.Datatype)}[{string.Join(",", i.Shape)}]"));
        var parameters = string.Join(" ", request.Parameters.Select(p => $"{Short(p.Key)}={p.Value}"));
        return $"'{Short(request.ModelName)}' v'{Short(request.ModelVersion)}' inputs {inputs} raw {request.RawInputContents.Count} {parameters}";
    }

    private static string Short(string text) => text.Length > 40 ? text[..40] + "…" : text;

    public void Dispose() => hosts.VerifyNoErrors();
}

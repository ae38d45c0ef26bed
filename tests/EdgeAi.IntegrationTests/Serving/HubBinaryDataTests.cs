using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using EdgeAi.Common.Onnx;

namespace EdgeAi.IntegrationTests.Serving;

/// <summary>Binary tensor data through the hub: forwarded by an agent without the model, and on the hub's own REST with a device key.</summary>
public sealed class HubBinaryDataTests : HubAndAgentTest
{
    public override async ValueTask InitializeAsync()
    {
        Hub.Install("hub-only", SampleModels.Scale(10f));
        Hub.Install("classifier", SampleModels.Classifier());
        await StartAsync();
    }

    [Fact]
    public async Task AgentWithoutModel_ForwardsBinaryRequestToHub_AnswersBinary()
    {
        float[] input = [1, 2, 3, 4, 5, 6];
        var json = $$$"""{"inputs":[{{{BinaryBodies.Input("input", "FP32", [2, 3], 24)}}}],"parameters":{"binary_data_output":true}}""";
        using var http = new HttpClient { BaseAddress = Agent.HttpUri };

        using var answer = await BinaryBodies.PostAsync(http, "/v2/models/hub-only/infer", json, [BinaryDataTests.Fp32(input)], Token);

        answer.Response.StatusCode.ShouldBe(HttpStatusCode.OK);
        answer.Response.Content.Headers.ContentType!.MediaType.ShouldBe("application/octet-stream");
        answer.Json.RootElement.GetProperty("parameters").GetProperty("edgeai.served_by").GetString().ShouldBe("cloud");
        answer.Output(0).GetProperty("parameters").GetProperty("binary_data_size").GetInt64().ShouldBe(24);
        MemoryMarshal.Cast<byte, float>(answer.Binary).ToArray().ShouldBe([10f, 20f, 30f, 40f, 50f, 60f]);
    }

    [Fact]
    public async Task HubRest_WithDeviceKey_TakesAndAnswersBinary_BytesEqualGrpc()
    {
        float[] input = [0.5f, -1f, 1.5f, 2f];
        var json = $$$"""{"inputs":[{{{BinaryBodies.Input("input", "FP32", [1, 4], 16)}}}],"outputs":[{"name":"probabilities","parameters":{"binary_data":true}}]}""";
        using var http = DeviceClient();

        using var answer = await BinaryBodies.PostAsync(http, "/v2/models/classifier/infer", json, [BinaryDataTests.Fp32(input)], Token);
        var (channel, client, headers) = Hub.Client();
        using (channel)
        {
            var grpc = await client.ModelInferAsync(Requests.Fp32("classifier", [1, 4], input), headers, cancellationToken: Token);

            answer.Response.StatusCode.ShouldBe(HttpStatusCode.OK);
            answer.Binary.ShouldBe(grpc.RawOutputContents[0].ToByteArray());
        }
        var (_, metadata) = await Requests.GetAsync(http, "/v2", Token);
        metadata.RootElement.GetProperty("extensions").EnumerateArray().Select(e => e.GetString()).ShouldContain("binary_tensor_data");
    }

    [Fact]
    public async Task HubRest_HeaderLengthPastBody_Is400()
    {
        var json = $$$"""{"inputs":[{{{BinaryBodies.Input("input", "FP32", [1, 4], 16)}}}]}""";
        using var http = DeviceClient();

        using var answer = await BinaryBodies.PostAsync(http, "/v2/models/classifier/infer", json, [new byte[16]], Token, headerLength: "5000");

        answer.Response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        answer.Error.ShouldStartWith("Inference-Header-Content-Length is 5000, larger than the ");
    }

    private HttpClient DeviceClient()
    {
        var http = AdminApi.AdminClient(Hub, key: null);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestHub.DeviceKey);
        return http;
    }
}

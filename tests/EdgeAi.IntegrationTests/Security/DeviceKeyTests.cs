using System.Net;
using EdgeAi.Common.Onnx;
using Grpc.Core;

namespace EdgeAi.IntegrationTests.Security;

/// <summary>Device credentials on the hub's inference service, over gRPC and REST.</summary>
public sealed class DeviceKeyTests : HubTest
{
    public override async ValueTask InitializeAsync()
    {
        Hub.Install("classifier", SampleModels.Classifier());
        await base.InitializeAsync();
    }

    [Fact]
    public async Task ModelInfer_ValidDeviceKey_IsServedByCloud()
    {
        var (channel, client, headers) = Hub.Client();
        using (channel)
        {
            float[] input = [1, 2, 3, 4];
            var response = await client.ModelInferAsync(Requests.Fp32("classifier", [1, 4], input), headers, cancellationToken: Token);

            Requests.Fp32Output(response).ShouldBe(SampleModels.ClassifierReference(input), tolerance: 1e-5f);
            response.Parameters["edgeai.served_by"].StringParam.ShouldBe("cloud");
        }
    }

    [Theory]
    [InlineData(null, "missing credentials")]
    [InlineData("wrong-key-wrong-key-wrong", "unknown or wrong device key")]
    [InlineData("", "unknown or wrong device key")]
    public async Task ModelInfer_MissingOrWrongKey_IsUnauthenticated(string? key, string message)
    {
        var (channel, client, headers) = Hub.Client(key);
        using (channel)
        {
            var error = await Should.ThrowAsync<RpcException>(() =>
                client.ModelInferAsync(Requests.Fp32("classifier", [1, 4], [1, 2, 3, 4]), headers, cancellationToken: Token).ResponseAsync);

            error.StatusCode.ShouldBe(StatusCode.Unauthenticated);
            error.Status.Detail.ShouldContain(message);
        }
    }

    [Fact]
    public async Task Grpc_WithoutKey_StatusMessageIsEncodedOnceAsTheSpecificationSays()
    {
        // A raw HTTP/2 call, so the header is seen as sent: clients other than grpc-dotnet (grpc-js)
        // decode only what the specification encodes, and URI escaping left them "%3A".
        using var handler = HubTrust.PinnedHandler(Hub.Fingerprint);
        using var http = new HttpClient(handler) { BaseAddress = Hub.Uri, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var content = new ByteArrayContent(new byte[5]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        using var response = await http.PostAsync(new Uri("/inference.GRPCInferenceService/ModelInfer", UriKind.Relative), content, Token);

        response.Headers.GetValues("grpc-status").Single().ShouldBe("16");
        response.Headers.GetValues("grpc-message").Single().ShouldBe("missing credentials: send 'authorization: Bearer <device key>'");
    }

    [Fact]
    public async Task Rest_WithoutKey_Is401_HealthStaysOpen()
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var http = new HttpClient(handler) { BaseAddress = Hub.Uri };

        var (refused, body) = await Requests.PostAsync(http, "/v2/models/classifier/infer", Requests.Json("input", "FP32", [1, 4], [1, 2, 3, 4]), Token);
        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        body.RootElement.GetProperty("error").GetString().ShouldBe("missing credentials: send 'authorization: Bearer <device key>'");

        (await http.GetAsync(new Uri("/v2/health/live", UriKind.Relative), Token)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}

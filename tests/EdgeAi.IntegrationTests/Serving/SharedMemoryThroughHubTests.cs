using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using Grpc.Core;
using static EdgeAi.IntegrationTests.Serving.SharedMemoryRequests;

namespace EdgeAi.IntegrationTests.Serving;

/// <summary>
/// Shared memory is the agent's, for apps on its device: a request it routes to the hub carries the region's bytes
/// as raw contents, and the hub's answer is written into the output region. The hub itself does not offer the extension.
/// </summary>
public sealed class SharedMemoryThroughHubTests : HubAndAgentTest
{
    public override async ValueTask InitializeAsync()
    {
        Hub.Install("hub-only", SampleModels.Scale(10f));
        await StartAsync();
    }

    [Theory]
    [InlineData("grpc")]
    [InlineData("rest")]
    public async Task Infer_ModelOnlyOnTheHub_ReadsInputRegionAndWritesOutputRegion(string transport)
    {
        using var input = new SharedMemoryObject(8);
        input.Write(0, RawTensor.FromDoubles(TensorDatatype.Fp32, [1, 2]));
        using var output = new SharedMemoryObject(8);
        var inputRegion = await RegisterAsync(input);
        var outputRegion = await RegisterAsync(output);
        var request = new ModelInferRequest { ModelName = "hub-only" };
        request.Inputs.Add(Input("input", [1, 2], inputRegion, 8));
        request.Outputs.Add(Output("output", outputRegion, 8));

        var (status, message, body) = await InferAgentAsync(transport, request);

        status.ShouldBe(StatusCode.OK, message);
        Requests.Fp32Values(output.Read(0, 8)).ShouldBe([10f, 20f]);
        if (body is not null)
        {
            body.RootElement.GetProperty("parameters").GetProperty("edgeai.served_by").GetString().ShouldBe("cloud");
        }
        await Agent.Grpc.SystemSharedMemoryUnregisterAsync(new SystemSharedMemoryUnregisterRequest(), cancellationToken: Token);
    }

    [Fact]
    public async Task Hub_DoesNotOfferSystemSharedMemory()
    {
        var (channel, client, headers) = Hub.Client();
        using (channel)
        {
            var metadata = await client.ServerMetadataAsync(new ServerMetadataRequest(), headers, cancellationToken: Token);
            metadata.Extensions.ShouldNotContain("system_shared_memory");
            var refused = await Should.ThrowAsync<RpcException>(() => client.SystemSharedMemoryRegisterAsync(
                new SystemSharedMemoryRegisterRequest { Name = "r", Key = "/r", ByteSize = 8 }, headers, cancellationToken: Token).ResponseAsync);
            refused.StatusCode.ShouldBe(StatusCode.Unimplemented);
            refused.Status.Detail.ShouldContain("does not offer the system_shared_memory extension");

            var request = Requests.Fp32("hub-only", [1, 2], [1, 2]);
            request.RawInputContents.Clear();
            SetReference(request.Inputs[0].Parameters, "r", 8, null);
            var infer = await Should.ThrowAsync<RpcException>(() => client.ModelInferAsync(request, headers, cancellationToken: Token).ResponseAsync);
            infer.StatusCode.ShouldBe(StatusCode.InvalidArgument);
            infer.Status.Detail.ShouldContain("does not offer the system_shared_memory extension");
        }
    }

    private async Task<string> RegisterAsync(SharedMemoryObject shm)
    {
        var name = "hub-" + Guid.NewGuid().ToString("N");
        await Agent.Grpc.SystemSharedMemoryRegisterAsync(
            new SystemSharedMemoryRegisterRequest { Name = name, Key = shm.Key, ByteSize = (ulong)shm.Size }, cancellationToken: Token);
        return name;
    }

    private async Task<(StatusCode Status, string Message, System.Text.Json.JsonDocument? Body)> InferAgentAsync(string transport, ModelInferRequest request)
    {
        if (transport == "grpc")
        {
            try
            {
                var response = await Agent.Grpc.ModelInferAsync(request, cancellationToken: Token);
                response.Parameters["edgeai.served_by"].StringParam.ShouldBe("cloud");
                response.RawOutputContents[0].Length.ShouldBe(0);
                return (StatusCode.OK, string.Empty, null);
            }
            catch (RpcException e)
            {
                return (e.StatusCode, e.Status.Detail, null);
            }
        }
        using var http = new HttpClient { BaseAddress = Agent.HttpUri };
        var (answer, body) = await Requests.PostAsync(http, $"/v2/models/{request.ModelName}/infer", Json(request), Token);
        return (FromHttp(answer.StatusCode), body.RootElement.TryGetProperty("error", out var e2) ? e2.GetString()! : string.Empty, body);
    }
}

using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using Grpc.Core;

namespace EdgeAi.IntegrationTests.Serving;

public sealed class GrpcServingTests(AgentFixture agent) : IDisposable
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Health_AgentIsLiveAndReady()
    {
        (await agent.Grpc.ServerLiveAsync(new ServerLiveRequest(), cancellationToken: Token)).Live.ShouldBeTrue();
        (await agent.Grpc.ServerReadyAsync(new ServerReadyRequest(), cancellationToken: Token)).Ready.ShouldBeTrue();
        var metadata = await agent.Grpc.ServerMetadataAsync(new ServerMetadataRequest(), cancellationToken: Token);
        metadata.Name.ShouldBe("edgeai-agent");
    }

    [Fact]
    public async Task ModelMetadata_ShowsDynamicShapeAndExecutionProvider()
    {
        var metadata = await agent.Grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = "classifier" }, cancellationToken: Token);

        metadata.Versions.ShouldBe(["1"]);
        metadata.Platform.ShouldBe("onnxruntime_onnx");
        metadata.Inputs[0].Name.ShouldBe("input");
        metadata.Inputs[0].Datatype.ShouldBe("FP32");
        metadata.Inputs[0].Shape.ShouldBe([-1L, 4L]);
        metadata.Outputs[0].Shape.ShouldBe([-1L, 3L]);
        metadata.Parameters["edgeai.execution_provider"].StringParam.ShouldBe("CPU");
    }

    [Fact]
    public async Task ModelInfer_RawInput_MatchesReferenceWithEdgeParameters()
    {
        float[] input = [0.5f, -1f, 1.5f, 2f];

        var response = await agent.Grpc.ModelInferAsync(Requests.Fp32("classifier", [1, 4], input), cancellationToken: Token);

        Requests.Fp32Output(response).ShouldBe(SampleModels.ClassifierReference(input), tolerance: 1e-5f);
        response.Outputs[0].Name.ShouldBe("probabilities");
        response.Parameters["edgeai.served_by"].StringParam.ShouldBe("local");
        response.Parameters["edgeai.execution_provider"].StringParam.ShouldBe("CPU");
        response.Parameters["edgeai.model_version"].StringParam.ShouldBe("1");
    }

    [Fact]
    public async Task ModelInfer_TypedContents_MatchesReference()
    {
        float[] input = [1f, 2f, -1f, 0.25f];
        var request = new ModelInferRequest { ModelName = "classifier", Id = "typed-1" };
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Contents = new InferTensorContents() };
        tensor.Shape.AddRange([1, 4]);
        tensor.Contents.Fp32Contents.AddRange(input);
        request.Inputs.Add(tensor);

        var response = await agent.Grpc.ModelInferAsync(request, cancellationToken: Token);

        response.Id.ShouldBe("typed-1");
        Requests.Fp32Output(response).ShouldBe(SampleModels.ClassifierReference(input), tolerance: 1e-5f);
    }

    [Fact]
    public async Task ModelInfer_Int8QdqModel_StaysCloseToFp32Reference()
    {
        var random = new Random(7);
        var input = Enumerable.Range(0, 8 * 4).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();

        var response = await agent.Grpc.ModelInferAsync(Requests.Fp32("classifier-int8", [8, 4], input), cancellationToken: Token);

        Requests.Fp32Output(response).ShouldBe(SampleModels.ClassifierReference(input), tolerance: 0.05f);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(4, 9)]
    [InlineData(16, 3)]
    public async Task ModelInfer_DynamicDimensions_AnyShapeWorks(int rows, int columns)
    {
        var input = Enumerable.Range(0, rows * columns).Select(i => (float)i).ToArray();

        var response = await agent.Grpc.ModelInferAsync(Requests.Fp32("scale", [rows, columns], input), cancellationToken: Token);

        response.Outputs[0].Shape.ShouldBe([(long)rows, columns]);
        Requests.Fp32Output(response).ShouldBe(input.Select(v => v * 2));
    }

    [Fact]
    public async Task ModelInfer_BytesTensor_RoundTrips()
    {
        var request = new ModelInferRequest { ModelName = "strings" };
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "BYTES" };
        tensor.Shape.Add(3);
        request.Inputs.Add(tensor);
        request.RawInputContents.Add(Google.Protobuf.ByteString.CopyFrom(RawTensor.FromStrings(["edge", "", "héllo"])));

        var response = await agent.Grpc.ModelInferAsync(request, cancellationToken: Token);

        RawTensor.ToStrings(response.RawOutputContents[0].Span).ShouldBe(["edge", "", "héllo"]);
    }

    [Fact]
    public async Task ModelInfer_ConcurrentRequests_EachGetsItsOwnAnswer()
    {
        var tasks = Enumerable.Range(0, 48).Select(async i =>
        {
            float[] input = [i, -i / 2f, i % 5, 1f];
            var response = await agent.Grpc.ModelInferAsync(Requests.Fp32("classifier", [1, 4], input), cancellationToken: Token);
            Requests.Fp32Output(response).ShouldBe(SampleModels.ClassifierReference(input), tolerance: 1e-5f);
        });

        await Task.WhenAll(tasks);
    }

    [Fact]
    public async Task ModelInfer_UnknownModelOrVersion_IsNotFound()
    {
        var unknown = await Should.ThrowAsync<RpcException>(() =>
            agent.Grpc.ModelInferAsync(Requests.Fp32("no-such-model", [1, 4], [1, 2, 3, 4]), cancellationToken: Token).ResponseAsync);
        unknown.StatusCode.ShouldBe(StatusCode.NotFound);
        unknown.Status.Detail.ShouldBe("model 'no-such-model' is not installed on this server");

        var request = Requests.Fp32("classifier", [1, 4], [1, 2, 3, 4]);
        request.ModelVersion = "42";
        var version = await Should.ThrowAsync<RpcException>(() => agent.Grpc.ModelInferAsync(request, cancellationToken: Token).ResponseAsync);
        version.StatusCode.ShouldBe(StatusCode.NotFound);
        version.Status.Detail.ShouldContain("has no version '42'");
    }

    public static TheoryData<string, string, long[], int, string> BadInputs => new()
    {
        { "input", "FP64", [1, 4], 32, "input 'input': datatype FP64 does not match the model's FP32" },
        { "input", "FP32", [4], 16, "input 'input': shape [4] has rank 1, the model expects rank 2 [-1,4]" },
        { "input", "FP32", [1, 3], 12, "input 'input': dimension 1 is 3, the model expects 4 (shape [-1,4])" },
        { "input", "FP32", [2, 4], 16, "input 'input': raw contents hold 16 bytes, shape [2,4] of FP32 needs 32" },
        { "pixels", "FP32", [1, 4], 16, "unknown input 'pixels'; the model expects 'input' (FP32 [-1,4])" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task ModelInfer_BadInput_IsInvalidArgumentNamingTheTensor(string name, string datatype, long[] shape, int bytes, string message)
    {
        var request = new ModelInferRequest { ModelName = "classifier" };
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = name, Datatype = datatype };
        tensor.Shape.AddRange(shape);
        request.Inputs.Add(tensor);
        request.RawInputContents.Add(Google.Protobuf.ByteString.CopyFrom(new byte[bytes]));

        var error = await Should.ThrowAsync<RpcException>(() => agent.Grpc.ModelInferAsync(request, cancellationToken: Token).ResponseAsync);

        error.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        error.Status.Detail.ShouldBe(message);
        (await agent.Grpc.ServerLiveAsync(new ServerLiveRequest(), cancellationToken: Token)).Live.ShouldBeTrue();
    }

    [Fact]
    public async Task ModelInfer_MissingInput_IsInvalidArgument()
    {
        var error = await Should.ThrowAsync<RpcException>(() =>
            agent.Grpc.ModelInferAsync(Requests.Fp32("add", [1, 3], [1, 2, 3], input: "a"), cancellationToken: Token).ResponseAsync);

        error.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        error.Status.Detail.ShouldBe("missing input 'b' (FP32 [-1,3])");
    }

    [Fact]
    public async Task ModelInfer_RequestOverSizeLimit_IsResourceExhausted()
    {
        var floats = (AgentFixture.MaxRequestBytes / 4) + 1024;
        var request = Requests.Fp32("scale", [1, floats], new float[floats]);

        var error = await Should.ThrowAsync<RpcException>(() => agent.Grpc.ModelInferAsync(request, cancellationToken: Token).ResponseAsync);

        error.StatusCode.ShouldBe(StatusCode.ResourceExhausted);
    }

    [Fact]
    public async Task CorruptModel_ReportsNotReadyWithReasonWhileOthersServe()
    {
        (await agent.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = "corrupt" }, cancellationToken: Token)).Ready.ShouldBeFalse();
        var metadata = await agent.Grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = "corrupt" }, cancellationToken: Token);
        metadata.Parameters["edgeai.state"].StringParam.ShouldBe("FAILED");
        metadata.Parameters["edgeai.failure_reason"].StringParam.ShouldStartWith("ONNX Runtime cannot load the model");

        var error = await Should.ThrowAsync<RpcException>(() =>
            agent.Grpc.ModelInferAsync(Requests.Fp32("corrupt", [1, 4], [1, 2, 3, 4]), cancellationToken: Token).ResponseAsync);
        error.StatusCode.ShouldBe(StatusCode.Unavailable);
        error.Status.Detail.ShouldStartWith("model 'corrupt' version 1 is not ready: ONNX Runtime cannot load the model");

        (await agent.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = "classifier" }, cancellationToken: Token)).Ready.ShouldBeTrue();
    }

    [Fact]
    public async Task TamperedModel_IsNotLoadedAndSaysWhy()
    {
        var metadata = await agent.Grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = "tampered" }, cancellationToken: Token);

        metadata.Parameters["edgeai.state"].StringParam.ShouldBe("FAILED");
        metadata.Parameters["edgeai.failure_reason"].StringParam.ShouldStartWith("model file changed since it was installed");
    }

    public void Dispose() => agent.VerifyNoErrors();
}

using System.Net;
using System.Text.Json;
using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using Grpc.Core;
using static EdgeAi.IntegrationTests.Serving.SharedMemoryRequests;

namespace EdgeAi.IntegrationTests.Serving;

/// <summary>Triton's system_shared_memory extension on the real agent, over gRPC and REST, with real /dev/shm objects.</summary>
public sealed class SharedMemoryTests(AgentFixture agent) : IAsyncDisposable
{
    private const int ClassifierInputBytes = 4 * sizeof(float);
    private const int ClassifierOutputBytes = 3 * sizeof(float);
    private static readonly float[] ClassifierInput = [0.5f, -1f, 1.5f, 2f];

    private readonly List<SharedMemoryObject> _objects = [];
    private readonly List<string> _regions = [];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ServerMetadata_ListsSystemSharedMemory()
    {
        var metadata = await agent.Grpc.ServerMetadataAsync(new ServerMetadataRequest(), cancellationToken: Token);
        metadata.Extensions.ShouldContain("system_shared_memory");
        var (_, body) = await Requests.GetAsync(agent.Http, "/v2", Token);
        body.RootElement.GetProperty("extensions").EnumerateArray().Select(e => e.GetString()).ShouldContain("system_shared_memory");
    }

    [Fact]
    public async Task RegisterStatusUnregister_Grpc_ReportsTheRegionThenForgetsIt()
    {
        var shm = Object(4096);
        var name = await RegisterAsync(shm, offset: 128, byteSize: 1024);

        var one = await agent.Grpc.SystemSharedMemoryStatusAsync(new SystemSharedMemoryStatusRequest { Name = name }, cancellationToken: Token);
        var status = one.Regions[name];
        (status.Name, status.Key, status.Offset, status.ByteSize).ShouldBe((name, shm.Key, 128UL, 1024UL));
        var all = await agent.Grpc.SystemSharedMemoryStatusAsync(new SystemSharedMemoryStatusRequest(), cancellationToken: Token);
        all.Regions.Keys.ShouldContain(name);

        await agent.Grpc.SystemSharedMemoryUnregisterAsync(new SystemSharedMemoryUnregisterRequest { Name = name }, cancellationToken: Token);

        var gone = await Should.ThrowAsync<RpcException>(() =>
            agent.Grpc.SystemSharedMemoryStatusAsync(new SystemSharedMemoryStatusRequest { Name = name }, cancellationToken: Token).ResponseAsync);
        gone.StatusCode.ShouldBe(StatusCode.NotFound);
        gone.Status.Detail.ShouldContain($"'{name}' is not registered");
    }

    [Fact]
    public async Task RegisterStatusUnregister_Rest_TritonsRoutesAndBodies()
    {
        var shm = Object(4096);
        var name = "rest-" + Guid.NewGuid().ToString("N");

        var (registered, _) = await Requests.PostAsync(agent.Http, $"/v2/systemsharedmemory/region/{name}/register",
            $$"""{"key":"{{shm.Key}}","offset":0,"byte_size":4096}""", Token);
        registered.StatusCode.ShouldBe(HttpStatusCode.OK);
        _regions.Add(name);

        var (ok, body) = await Requests.GetAsync(agent.Http, $"/v2/systemsharedmemory/region/{name}/status", Token);
        ok.StatusCode.ShouldBe(HttpStatusCode.OK);
        var region = body.RootElement.EnumerateArray().Single();
        region.GetProperty("name").GetString().ShouldBe(name);
        region.GetProperty("key").GetString().ShouldBe(shm.Key);
        region.GetProperty("offset").GetInt64().ShouldBe(0);
        region.GetProperty("byte_size").GetInt64().ShouldBe(4096);
        var (_, all) = await Requests.GetAsync(agent.Http, "/v2/systemsharedmemory/status", Token);
        all.RootElement.EnumerateArray().Select(r => r.GetProperty("name").GetString()).ShouldContain(name);

        var (unregistered, _) = await Requests.PostAsync(agent.Http, $"/v2/systemsharedmemory/region/{name}/unregister", "", Token);
        unregistered.StatusCode.ShouldBe(HttpStatusCode.OK);
        var (missing, error) = await Requests.GetAsync(agent.Http, $"/v2/systemsharedmemory/region/{name}/status", Token);
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        error.RootElement.GetProperty("error").GetString()!.ShouldContain("is not registered");
    }

    [Theory]
    [InlineData("grpc")]
    [InlineData("rest")]
    public async Task Register_NameTaken_IsAlreadyExists(string transport)
    {
        var shm = Object(64);
        var name = await RegisterAsync(shm);

        var (status, message) = await TryRegisterAsync(transport, name, shm.Key, 0, 64);

        status.ShouldBe(StatusCode.AlreadyExists);
        message.ShouldContain($"'{name}' is already registered");
    }

    [Theory]
    [InlineData("grpc", "no-slash", 0, 64, "is not a POSIX shared-memory name")]
    [InlineData("rest", "/a/b", 0, 64, "is not a POSIX shared-memory name")]
    [InlineData("grpc", "/..", 0, 64, "is not a POSIX shared-memory name")]
    [InlineData("rest", "missing", 0, 64, "does not exist")]
    [InlineData("grpc", "missing", 0, 64, "does not exist")]
    [InlineData("grpc", "object", 64, 1, "offset 64 is past the end")]
    [InlineData("rest", "object", 64, 1, "offset 64 is past the end")]
    [InlineData("grpc", "object", 8, 64, "offset 8 + byte_size 64 = 72 is past the end")]
    [InlineData("rest", "object", 8, 64, "offset 8 + byte_size 64 = 72 is past the end")]
    [InlineData("grpc", "object", 0, 0, "byte_size is 0")]
    public async Task Register_BadKeyOrBounds_IsInvalidArgumentSayingWhy(string transport, string key, long offset, long byteSize, string expected)
    {
        var shm = Object(64);
        key = key switch
        {
            "object" => shm.Key,
            "missing" => shm.Key + "-missing",
            _ => key,
        };

        var (status, message) = await TryRegisterAsync(transport, "bad-" + Guid.NewGuid().ToString("N"), key, offset, byteSize);

        status.ShouldBe(StatusCode.InvalidArgument);
        message.ShouldContain(expected);
    }

    [Theory]
    [InlineData("grpc")]
    [InlineData("rest")]
    public async Task Register_ObjectPrivateToAnotherUser_IsRefusedUntilItsModeSharesIt(string transport)
    {
        var shm = Object(64);
        shm.Chown(65534);
        shm.Chmod(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var name = "private-" + Guid.NewGuid().ToString("N");

        var (status, message) = await TryRegisterAsync(transport, name, shm.Key, 0, 64);

        status.ShouldBe(StatusCode.PermissionDenied);
        message.ShouldContain("mode 0600 owned by uid 65534");
        message.ShouldContain("the agent (uid 0");
        message.ShouldContain("create it with mode 0660 in the agent's group");

        shm.Chmod((UnixFileMode)0b110_110_110);
        (await TryRegisterAsync(transport, name, shm.Key, 0, 64)).Status.ShouldBe(StatusCode.OK);
        _regions.Add(name);
    }

    [Theory]
    [InlineData("grpc")]
    [InlineData("rest")]
    public async Task Infer_ConvModelInSharedMemory_OutputsByteIdenticalToRawContents(string transport)
    {
        var random = new Random(11);
        var image = Enumerable.Range(0, 3 * 16 * 16).Select(_ => (float)random.NextDouble()).ToArray();
        long[] shape = [1, 3, 16, 16];
        var raw = await agent.Grpc.ModelInferAsync(Requests.Fp32("conv", shape, image, input: "image"), cancellationToken: Token);
        var expected = raw.RawOutputContents[0].ToByteArray();

        // The tensors sit at offsets inside their objects, as a client packing several would place them.
        var input = Object(4096 + image.Length * sizeof(float));
        input.Write(4096, RawTensor.FromDoubles(TensorDatatype.Fp32, [.. image.Select(v => (double)v)]));
        var inputRegion = await RegisterAsync(input, offset: 1024, byteSize: input.Size - 1024);
        var output = Object(256);
        var outputRegion = await RegisterAsync(output);
        var request = new ModelInferRequest { ModelName = "conv" };
        request.Inputs.Add(Input("image", shape, inputRegion, image.Length * sizeof(float), offset: 3072));
        request.Outputs.Add(Output("scores", outputRegion, 256 - 32, offset: 32));

        var (status, message, body) = await InferAsync(agent, transport, request, Token);

        status.ShouldBe(StatusCode.OK, message);
        output.Read(32, expected.Length).ShouldBe(expected);
        if (body is not null)
        {
            var answered = body.RootElement.GetProperty("outputs")[0];
            answered.TryGetProperty("data", out _).ShouldBeFalse();
            answered.GetProperty("parameters").GetProperty(Region).GetString().ShouldBe(outputRegion);
            answered.GetProperty("parameters").GetProperty(ByteSize).GetInt64().ShouldBe(expected.Length);
        }
    }

    [Fact]
    public async Task Infer_Grpc_SharedMemoryOutputAnsweredWithParametersAndNoData()
    {
        var (inputRegion, outputRegion, output) = await ClassifierRegionsAsync();
        var request = ClassifierRequest(inputRegion, outputRegion);

        var response = await agent.Grpc.ModelInferAsync(request, cancellationToken: Token);

        response.RawOutputContents[0].Length.ShouldBe(0);
        response.Outputs[0].Parameters[Region].StringParam.ShouldBe(outputRegion);
        response.Outputs[0].Parameters[ByteSize].Int64Param.ShouldBe(ClassifierOutputBytes);
        Requests.Fp32Values(output.Read(0, ClassifierOutputBytes)).ShouldBe(SampleModels.ClassifierReference(ClassifierInput), tolerance: 1e-5f);
    }

    [Theory]
    [InlineData("grpc", "unknown region", StatusCode.NotFound, "is not registered")]
    [InlineData("rest", "unknown region", StatusCode.NotFound, "is not registered")]
    [InlineData("grpc", "after unregister", StatusCode.NotFound, "is not registered (never registered, or unregistered)")]
    [InlineData("rest", "after unregister", StatusCode.NotFound, "is not registered (never registered, or unregistered)")]
    [InlineData("grpc", "region too small", StatusCode.InvalidArgument, "is too small: it holds 8 bytes")]
    [InlineData("rest", "region too small", StatusCode.InvalidArgument, "is too small: it holds 8 bytes")]
    [InlineData("grpc", "offset past end", StatusCode.InvalidArgument, "shared_memory_offset 64 is past the end of region")]
    [InlineData("rest", "offset past end", StatusCode.InvalidArgument, "shared_memory_offset 64 is past the end of region")]
    [InlineData("grpc", "byte size not shape", StatusCode.InvalidArgument, "shared_memory_byte_size 12 does not match shape [1,4] of FP32, which is 16 bytes")]
    [InlineData("rest", "byte size not shape", StatusCode.InvalidArgument, "shared_memory_byte_size 12 does not match shape [1,4] of FP32, which is 16 bytes")]
    [InlineData("grpc", "data and region", StatusCode.InvalidArgument, "has both data (contents) and shared_memory_region")]
    [InlineData("rest", "data and region", StatusCode.InvalidArgument, "has both 'data' and shared-memory parameters")]
    [InlineData("grpc", "output too small", StatusCode.InvalidArgument, "output 'probabilities' is 12 bytes (shape [1,3] of FP32), but its shared_memory_byte_size in region")]
    [InlineData("rest", "output too small", StatusCode.InvalidArgument, "output 'probabilities' is 12 bytes (shape [1,3] of FP32), but its shared_memory_byte_size in region")]
    [InlineData("grpc", "truncated", StatusCode.InvalidArgument, "was truncated after region")]
    [InlineData("rest", "truncated", StatusCode.InvalidArgument, "was truncated after region")]
    [InlineData("grpc", "only byte size", StatusCode.InvalidArgument, "need both 'shared_memory_region'")]
    [InlineData("rest", "only byte size", StatusCode.InvalidArgument, "need both 'shared_memory_region'")]
    public async Task Infer_BadSharedMemoryReference_IsRefusedSayingWhy(string transport, string fault, StatusCode expected, string message)
    {
        var (inputRegion, outputRegion, _) = await ClassifierRegionsAsync();
        var request = ClassifierRequest(inputRegion, outputRegion);
        var input = request.Inputs[0].Parameters;
        switch (fault)
        {
            case "unknown region":
                input[Region] = new InferParameter { StringParam = "no-such-region" };
                break;
            case "after unregister":
                await agent.Grpc.SystemSharedMemoryUnregisterAsync(new SystemSharedMemoryUnregisterRequest { Name = inputRegion }, cancellationToken: Token);
                break;
            case "region too small":
                var small = Object(64);
                input[Region] = new InferParameter { StringParam = await RegisterAsync(small, byteSize: 8) };
                break;
            case "offset past end":
                input[Offset] = new InferParameter { Int64Param = 64 };
                break;
            case "byte size not shape":
                input[ByteSize] = new InferParameter { Int64Param = 12 };
                break;
            case "data and region":
                request.Inputs[0].Contents = new InferTensorContents();
                request.Inputs[0].Contents.Fp32Contents.AddRange(ClassifierInput);
                break;
            case "output too small":
                request.Outputs[0].Parameters[ByteSize] = new InferParameter { Int64Param = 8 };
                break;
            case "truncated":
                _objects[0].Truncate(8);
                break;
            case "only byte size":
                input.Remove(Region);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault, "no such case");
        }

        var (status, answer, _) = await InferAsync(agent, transport, request, Token);

        status.ShouldBe(expected, answer);
        answer.ShouldContain(message);
        // The agent is unharmed and the regions that are still good still serve.
        var good = await ClassifierRegionsAsync();
        (await InferAsync(agent, transport, ClassifierRequest(good.Input, good.Output), Token)).Status.ShouldBe(StatusCode.OK);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var name in _regions)
        {
            await agent.Grpc.SystemSharedMemoryUnregisterAsync(new SystemSharedMemoryUnregisterRequest { Name = name });
        }
        foreach (var shm in _objects)
        {
            shm.Dispose();
        }
        agent.VerifyNoErrors();
    }

    /// <summary>The classifier's input [1,4] written in a region of exactly its size, and a 64-byte output region.</summary>
    private async Task<(string Input, string Output, SharedMemoryObject OutputObject)> ClassifierRegionsAsync()
    {
        var input = Object(ClassifierInputBytes);
        input.Write(0, RawTensor.FromDoubles(TensorDatatype.Fp32, [.. ClassifierInput.Select(v => (double)v)]));
        var output = Object(64);
        return (await RegisterAsync(input), await RegisterAsync(output), output);
    }

    private static ModelInferRequest ClassifierRequest(string inputRegion, string outputRegion)
    {
        var request = new ModelInferRequest { ModelName = "classifier" };
        request.Inputs.Add(Input("input", [1, 4], inputRegion, ClassifierInputBytes));
        request.Outputs.Add(Output("probabilities", outputRegion, 64));
        return request;
    }

    private SharedMemoryObject Object(long size)
    {
        var shm = new SharedMemoryObject(size);
        _objects.Add(shm);
        return shm;
    }

    private async Task<string> RegisterAsync(SharedMemoryObject shm, long offset = 0, long? byteSize = null)
    {
        var name = "region-" + Guid.NewGuid().ToString("N");
        await agent.Grpc.SystemSharedMemoryRegisterAsync(new SystemSharedMemoryRegisterRequest
        {
            Name = name,
            Key = shm.Key,
            Offset = (ulong)offset,
            ByteSize = (ulong)(byteSize ?? shm.Size - offset),
        }, cancellationToken: Token);
        _regions.Add(name);
        return name;
    }

    private async Task<(StatusCode Status, string Message)> TryRegisterAsync(string transport, string name, string key, long offset, long byteSize)
    {
        if (transport == "grpc")
        {
            try
            {
                await agent.Grpc.SystemSharedMemoryRegisterAsync(
                    new SystemSharedMemoryRegisterRequest { Name = name, Key = key, Offset = (ulong)offset, ByteSize = (ulong)byteSize }, cancellationToken: Token);
                return (StatusCode.OK, string.Empty);
            }
            catch (RpcException e)
            {
                return (e.StatusCode, e.Status.Detail);
            }
        }
        var body = JsonSerializerBody(key, offset, byteSize);
        var (response, answer) = await Requests.PostAsync(agent.Http, $"/v2/systemsharedmemory/region/{name}/register", body, Token);
        return (FromHttp(response.StatusCode), answer.RootElement.TryGetProperty("error", out var e2) ? e2.GetString()! : string.Empty);
    }

    private static string JsonSerializerBody(string key, long offset, long byteSize) =>
        $$"""{"key":"{{JsonEncodedText.Encode(key)}}","offset":{{offset}},"byte_size":{{byteSize}}}""";
}

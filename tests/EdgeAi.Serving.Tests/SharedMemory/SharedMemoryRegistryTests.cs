using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using EdgeAi.Common.Inference;
using EdgeAi.Serving.SharedMemory;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeAi.Serving.Tests.SharedMemory;

/// <summary>The registry over real files in a scratch directory (mapped as /dev/shm objects are), and the request resolution over it.</summary>
public sealed class SharedMemoryRegistryTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly SharedMemoryRegistry _registry;

    public SharedMemoryRegistryTests() => _registry = new SharedMemoryRegistry(_directory.Path, NullLogger.Instance);

    [Fact]
    public void Unregister_WhileARequestHoldsTheRegion_StaysMappedUntilTheLastLeaseEnds()
    {
        var path = _directory.Write("held", [1, 2, 3, 4, 5, 6, 7, 8]);
        _registry.Register("held", "/held", 0, 8);
        var region = _registry.Acquire("held");

        _registry.Unregister("held");

        Mapped(path).ShouldBeTrue();
        region.Slice(0, 8).Span.ToArray().ShouldBe([1, 2, 3, 4, 5, 6, 7, 8]);
        Should.Throw<InferenceException>(() => _registry.Acquire("held")).Error.ShouldBe(InferenceError.NotFound);
        region.Release();
        Mapped(path).ShouldBeFalse();
    }

    [Fact]
    public void Unregister_Idle_UnmapsAtOnce_AndUnknownNamesAreNotAnError()
    {
        var path = _directory.Write("idle", new byte[16]);
        _registry.Register("idle", "/idle", 4, 8);
        Mapped(path).ShouldBeTrue();

        _registry.Unregister("idle");
        _registry.Unregister("never-registered");

        Mapped(path).ShouldBeFalse();
        _registry.Status(string.Empty).ShouldBeEmpty();
    }

    [Fact]
    public void Register_SymbolicLinkOrDirectory_IsRefused()
    {
        var target = _directory.Write("target", new byte[16]);
        File.CreateSymbolicLink(Path.Combine(_directory.Path, "link"), target);
        Directory.CreateDirectory(Path.Combine(_directory.Path, "dir"));

        Should.Throw<InferenceException>(() => _registry.Register("a", "/link", 0, 8)).Message.ShouldContain("is a symbolic link; a shared-memory object /link is a regular file");
        Should.Throw<InferenceException>(() => _registry.Register("b", "/dir", 0, 8)).Message.ShouldContain("is a directory");
    }

    [Fact]
    public async Task Infer_InputFromRegion_BackendSeesTheMappedMemoryItselfWithoutTheReferences()
    {
        var path = _directory.Write("input", new byte[32]);
        _registry.Register("input", "/input", 16, 16);
        var request = new ModelInferRequest { ModelName = "m" };
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = "FP32", Shape = { 1, 2 } };
        tensor.Parameters["shared_memory_region"] = new InferParameter { StringParam = "input" };
        tensor.Parameters["shared_memory_offset"] = new InferParameter { Int64Param = 8 };
        tensor.Parameters["shared_memory_byte_size"] = new InferParameter { Int64Param = 8 };
        request.Inputs.Add(tensor);
        using var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 32, MemoryMappedFileAccess.ReadWrite);
        using var view = map.CreateViewAccessor(0, 32);
        var backend = new ProbeBackend(seen =>
        {
            // Written after the request was resolved, at file offset 16 + 8: seen through the request's bytes, so they are the mapping, not a copy.
            view.Write(24, 1.5f);
            MemoryMarshal.Read<float>(seen.RawInputContents[0].Span).ShouldBe(1.5f);
            MemoryMarshal.TryGetArray(seen.RawInputContents[0].Memory, out _).ShouldBeFalse();
            seen.Inputs[0].Parameters.ShouldBeEmpty();
        });

        await SharedMemoryInference.InferAsync(backend, _registry, request, TestContext.Current.CancellationToken);

        backend.Calls.ShouldBe(1);
    }

    [Theory]
    [InlineData(1000u, 1000u, 0b110_000_000u, 0u, null)]
    [InlineData(1000u, 1000u, 0b000_110_110u, 0u, "give its owner read permission")]
    [InlineData(65534u, 0u, 0b110_000_000u, 0u, "mode 0600 owned by uid 65534 (gid 0): the agent (uid 0, gid 0) may not read it")]
    [InlineData(65534u, 0u, 0b110_100_000u, 0u, null)]
    [InlineData(65534u, 65534u, 0b110_110_100u, 0u, null)]
    [InlineData(65534u, 65534u, 0b110_110_000u, 0u, "create it with mode 0660 in the agent's group")]
    public void Refusal_UsesTheOneClassOfBitsTheKernelWould(uint owner, uint group, uint mode, uint agent, string? refusal)
    {
        var status = new FileStatus(1, 1, owner, group, 0x8000 | mode, 64);
        var uid = owner == 1000u ? 1000u : agent;

        var answer = SharedMemoryAccess.Refusal(status, "/dev/shm/x", uid, 0, new HashSet<uint> { 0 }, write: false);

        if (refusal is null)
        {
            answer.ShouldBeNull();
        }
        else
        {
            answer.ShouldNotBeNull().ShouldContain(refusal);
        }
    }

    public void Dispose()
    {
        _registry.Dispose();
        _directory.Dispose();
    }

    private static bool Mapped(string path) => File.ReadAllLines("/proc/self/maps").Any(line => line.EndsWith(path, StringComparison.Ordinal));

    private sealed class ProbeBackend(Action<ModelInferRequest> probe) : IInferenceBackend
    {
        public int Calls { get; private set; }

        public bool IsReady => true;

        public Task<bool> IsModelReadyAsync(string name, string? version, CancellationToken cancellationToken) => Task.FromResult(true);

        public Task<ModelMetadataResponse> GetModelMetadataAsync(string name, string? version, CancellationToken cancellationToken) =>
            Task.FromResult(new ModelMetadataResponse());

        public Task<ModelInferResponse> InferAsync(ModelInferRequest request, CancellationToken cancellationToken)
        {
            Calls++;
            probe(request);
            return Task.FromResult(new ModelInferResponse());
        }
    }
}

using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Statistics;
using Google.Protobuf;

namespace EdgeAi.Serving.Tests.Statistics;

/// <summary>What a real ONNX Runtime session's runs put in its version's statistics, and what they leave out.</summary>
public sealed class ModelInstanceStatisticsTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ModelHost _host = Hosts.Create();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ModelInstanceStatisticsTests()
    {
        _host.Load("scale", "1", _dir.Write("s.onnx", SampleModels.Scale(2f)));
        _host.Load("add", "1", _dir.Write("a.onnx", SampleModels.AddTwo()));
    }

    [Fact]
    public async Task InferAsync_SuccessesFailuresAndRefusals_CountedAsTritonDoes()
    {
        for (var i = 0; i < 3; i++)
        {
            await _host.InferAsync(Requests.Fp32("scale", [2, 2], 1, 2, 3, 4), Token);
        }
        await _host.InferAsync(Requests.Fp32("scale", [5, 1], 1, 2, 3, 4, 5), Token);
        for (var i = 0; i < 2; i++)
        {
            await Should.ThrowAsync<InferenceException>(() => _host.InferAsync(NotBroadcastable(), Token));
        }
        // Refused by the protocol's checks before the model sees it: Triton does not count such a request.
        await Should.ThrowAsync<InferenceException>(() => _host.InferAsync(Requests.Raw("scale", "input", "FP64", [1, 1], new byte[8]), Token));

        var scale = StatisticsReport.For(_host, "scale", null).ModelStats.Single();
        scale.ExecutionCount.ShouldBe(4UL);
        scale.InferenceCount.ShouldBe(2UL * 3 + 5);
        scale.InferenceStats.Success.Count.ShouldBe(4UL);
        scale.InferenceStats.Fail.Count.ShouldBe(0UL);
        scale.BatchStats.Select(b => (b.BatchSize, b.ComputeInfer.Count)).ShouldBe([(2UL, 3UL), (5UL, 1UL)]);
        var s = scale.InferenceStats;
        s.ComputeInfer.Ns.ShouldBeGreaterThan(0UL);
        s.ComputeInput.Ns.ShouldBeGreaterThan(0UL);
        s.ComputeOutput.Ns.ShouldBeGreaterThan(0UL);
        (s.Queue.Ns + s.ComputeInput.Ns + s.ComputeInfer.Ns + s.ComputeOutput.Ns).ShouldBeLessThanOrEqualTo(s.Success.Ns);
        scale.LastInference.ShouldBeGreaterThan(0UL);

        var add = StatisticsReport.For(_host, "add", "1").ModelStats.Single();
        add.InferenceStats.Fail.Count.ShouldBe(2UL);
        add.InferenceStats.Fail.Ns.ShouldBeGreaterThan(0UL);
        add.InferenceStats.Success.Count.ShouldBe(0UL);
        add.ExecutionCount.ShouldBe(0UL);
    }

    [Fact]
    public async Task InferAsync_MergedBatch_CountsEachRequestOnceAndOneExecution()
    {
        var start = _host.Time.GetTimestamp();

        await _host.InferAsync(Requests.Fp32("scale", [3, 1], 1, 2, 3), [start, start, start], Token);

        var stats = StatisticsReport.For(_host, "scale", "1").ModelStats.Single();
        stats.ExecutionCount.ShouldBe(1UL);
        stats.InferenceCount.ShouldBe(3UL);
        stats.InferenceStats.Success.Count.ShouldBe(3UL);
        stats.InferenceStats.ComputeInfer.Count.ShouldBe(3UL);
        stats.BatchStats.Single().BatchSize.ShouldBe(3UL);
        stats.BatchStats.Single().ComputeInfer.Count.ShouldBe(1UL);
    }

    [Fact]
    public async Task InferAsync_MergedBatchFails_CountsNothing()
    {
        var start = _host.Time.GetTimestamp();

        await Should.ThrowAsync<InferenceException>(() => _host.InferAsync(NotBroadcastable(), [start, start], Token));

        StatisticsReport.For(_host, "add", null).ModelStats.Single().InferenceStats.Fail.Count.ShouldBe(0UL);
    }

    [Fact]
    public async Task Reload_SameVersion_StartsFromZero()
    {
        await _host.InferAsync(Requests.Fp32("scale", [1, 1], 1), Token);

        _host.Load("scale", "1", _dir.Write("s2.onnx", SampleModels.Scale(3f)));

        StatisticsReport.For(_host, "scale", "1").ModelStats.Single().InferenceStats.Success.Count.ShouldBe(0UL);
    }

    [Fact]
    public void For_EveryModel_ListsReadyVersionsOnly()
    {
        _host.Load("broken", "1", _dir.Write("b.onnx", [1, 2, 3]));

        var all = StatisticsReport.For(_host, null, null);

        all.ModelStats.Select(m => m.Name).ShouldBe(["add", "scale"]);
    }

    [Theory]
    [InlineData("nope", null, "model 'nope' is not loaded on this server; only loaded models have statistics")]
    [InlineData("scale", "9", "model 'scale' version '9' is not loaded and ready; ready versions: 1")]
    public void For_UnknownModelOrVersion_IsNotFound(string name, string? version, string message)
    {
        var error = Should.Throw<InferenceException>(() => StatisticsReport.For(_host, name, version));

        error.Error.ShouldBe(InferenceError.NotFound);
        error.Message.ShouldBe(message);
    }

    [Fact]
    public void For_FailedModel_IsNotFoundWithItsReason()
    {
        _host.Load("broken", "1", _dir.Write("b.onnx", [1, 2, 3]));

        var error = Should.Throw<InferenceException>(() => StatisticsReport.For(_host, "broken", null));

        error.Error.ShouldBe(InferenceError.NotFound);
        error.Message.ShouldStartWith("model 'broken' has no ready version (version 1: ");
    }

    // Both inputs fit the model's signature; Add cannot broadcast 2 rows with 3, so the run itself fails.
    private static ModelInferRequest NotBroadcastable()
    {
        var request = Requests.Raw("add", "a", "FP32", [2, 3], new byte[24]);
        var b = new ModelInferRequest.Types.InferInputTensor { Name = "b", Datatype = "FP32" };
        b.Shape.AddRange([3, 3]);
        request.Inputs.Add(b);
        request.RawInputContents.Add(ByteString.CopyFrom(new byte[36]));
        return request;
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }
}

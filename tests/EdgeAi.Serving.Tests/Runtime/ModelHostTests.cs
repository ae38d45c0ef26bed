using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using EdgeAi.Serving.Runtime;

namespace EdgeAi.Serving.Tests.Runtime;

public sealed class ModelHostTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ModelHost _host = Hosts.Create();

    [Fact]
    public async Task InferAsync_Classifier_MatchesReferenceAndReportsProvider()
    {
        _host.Load("classifier", "1", _dir.Write("c.onnx", SampleModels.Classifier()));
        float[] input = [0.5f, -1f, 1.5f, 2f, 0f, 0f, 0f, 0f];

        var response = await _host.InferAsync(Requests.Fp32("classifier", [2, 4], input), TestContext.Current.CancellationToken);

        var probabilities = RawTensor.ToDoubles(TensorDatatype.Fp32, response.RawOutputContents[0].Span);
        var expected = SampleModels.ClassifierReference(input);
        probabilities.Length.ShouldBe(6);
        for (var i = 0; i < 6; i++)
        {
            probabilities[i].ShouldBe(expected[i], 1e-5);
        }
        response.Parameters["edgeai.execution_provider"].StringParam.ShouldBe("CPU");
        response.Parameters["edgeai.model_version"].StringParam.ShouldBe("1");
    }

    [Fact]
    public void Load_CorruptModel_IsFailedWithReasonWhileOthersServe()
    {
        _host.Load("good", "1", _dir.Write("g.onnx", SampleModels.Classifier()));
        var bad = _host.Load("bad", "1", _dir.Write("b.onnx", [0x08, 0x01, 0x12, 0x03]));

        bad.State.ShouldBe(ModelState.Failed);
        bad.FailureReason.ShouldNotBeNullOrEmpty();
        _host.Resolve("good", null).State.ShouldBe(ModelState.Ready);
        var metadata = _host.GetMetadata("bad", null);
        metadata.Parameters["edgeai.state"].StringParam.ShouldBe("FAILED");
    }

    [Fact]
    public async Task InferAsync_FailedModel_IsUnavailableWithReason()
    {
        _host.Load("bad", "1", _dir.Write("b.onnx", [1, 2, 3]));

        var error = await Should.ThrowAsync<InferenceException>(() =>
            _host.InferAsync(Requests.Fp32("bad", [1, 4], 1, 2, 3, 4), TestContext.Current.CancellationToken));

        error.Error.ShouldBe(InferenceError.Unavailable);
        error.Message.ShouldStartWith("model 'bad' version 1 is not ready: ");
    }

    [Fact]
    public void Resolve_NoVersion_PicksNewestReadyNumerically()
    {
        var path = _dir.Write("c.onnx", SampleModels.Classifier());
        _host.Load("m", "9", path);
        _host.Load("m", "10", path);
        _host.Load("m", "11", _dir.Write("bad.onnx", [1]));

        _host.Resolve("m", null).Version.ShouldBe("10");
        _host.VersionsOf("m").ShouldBe(["9", "10", "11"]);
    }

    [Fact]
    public void Resolve_UnknownModelOrVersion_IsNotFound()
    {
        _host.Load("m", "1", _dir.Write("c.onnx", SampleModels.Classifier()));

        Should.Throw<InferenceException>(() => _host.Resolve("nope", null)).Error.ShouldBe(InferenceError.NotFound);
        var error = Should.Throw<InferenceException>(() => _host.Resolve("m", "7"));
        error.Error.ShouldBe(InferenceError.NotFound);
        error.Message.ShouldContain("installed versions: 1");
    }

    [Fact]
    public async Task Load_SameVersionAgain_SwapsAndKeepsServing()
    {
        var path = _dir.Write("c.onnx", SampleModels.Classifier());
        var first = _host.Load("m", "1", path);

        var second = _host.Load("m", "1", path);

        second.ShouldNotBeSameAs(first);
        _host.Resolve("m", "1").ShouldBeSameAs(second);
        first.TryAcquire().ShouldBeFalse();
        var response = await _host.InferAsync(Requests.Fp32("m", [1, 4], 1, 2, 3, 4), TestContext.Current.CancellationToken);
        response.Outputs.Count.ShouldBe(1);
    }

    [Fact]
    public void Unload_RemovesVersionsAndModel()
    {
        var path = _dir.Write("c.onnx", SampleModels.Classifier());
        _host.Load("m", "1", path);
        _host.Load("m", "2", path);

        _host.Unload("m", "1").ShouldBeTrue();
        _host.VersionsOf("m").ShouldBe(["2"]);
        _host.Unload("m", null).ShouldBeTrue();
        _host.Models.ShouldBeEmpty();
        _host.Unload("m", null).ShouldBeFalse();
    }

    [Fact]
    public async Task InferAsync_DynamicDimensions_AcceptsAnyShape()
    {
        _host.Load("scale", "1", _dir.Write("s.onnx", SampleModels.Scale(2f)));

        foreach (var shape in new long[][] { [1, 1], [3, 5], [7, 2] })
        {
            var count = (int)(shape[0] * shape[1]);
            var input = Enumerable.Range(0, count).Select(i => (float)i).ToArray();
            var response = await _host.InferAsync(Requests.Fp32("scale", shape, input), TestContext.Current.CancellationToken);
            response.Outputs[0].Shape.ShouldBe(shape);
            RawTensor.ToDoubles(TensorDatatype.Fp32, response.RawOutputContents[0].Span).ShouldBe(input.Select(v => v * 2.0));
        }
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }
}

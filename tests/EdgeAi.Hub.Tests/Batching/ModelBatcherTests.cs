using EdgeAi.Common.Inference;
using EdgeAi.Hub.Batching;
using EdgeAi.Serving;
using EdgeAi.Testing;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Hub.Tests.Batching;

/// <summary>A batcher's loop is started and stopped by its owner; stopped and closed, it leaves no request waiting.</summary>
public sealed class ModelBatcherTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Close_RequestsQueuedAndNeverRun_FailUnavailable()
    {
        var runs = 0;
        var batcher = new ModelBatcher((r, _, _) => { runs++; return Task.FromResult(Answer(r)); }, new BatchingMetrics(), new FakeTimeProvider(), 8, TimeSpan.FromMilliseconds(5));
        var first = batcher.EnqueueAsync(Request("1"), null, Token);
        var second = batcher.EnqueueAsync(Request("1"), null, Token);

        batcher.Close();

        (await Should.ThrowAsync<InferenceException>(first)).Error.ShouldBe(InferenceError.Unavailable);
        (await Should.ThrowAsync<InferenceException>(second)).Error.ShouldBe(InferenceError.Unavailable);
        Should.Throw<InferenceException>(() => batcher.EnqueueAsync(Request("1"), null, Token)).Error.ShouldBe(InferenceError.Unavailable);
        runs.ShouldBe(0);
    }

    [Fact]
    public async Task Run_StoppedWhileGathering_RunsTheBatchAndFailsTheRequestItSetAside()
    {
        // The loop takes version 1's request, sets version 2's aside (another batch) and waits the queue
        // delay for company; the delay's timer is the sign it got there, and fake time never ends it.
        var time = new SignallingTime();
        var batcher = new ModelBatcher((r, _, _) => Task.FromResult(Answer(r)), new BatchingMetrics(), time, 8, TimeSpan.FromSeconds(10));
        var taken = batcher.EnqueueAsync(Request("1"), null, Token);
        var setAside = batcher.EnqueueAsync(Request("2"), null, Token);
        using var stop = new CancellationTokenSource();
        var loop = batcher.RunAsync(stop.Token);
        await time.TimerCreated.WaitAsync(TimeSpan.FromSeconds(30), Token);

        await stop.CancelAsync();
        await loop.WaitAsync(TimeSpan.FromSeconds(30), Token);
        batcher.Close();

        (await taken).ModelVersion.ShouldBe("1");
        (await Should.ThrowAsync<InferenceException>(setAside)).Error.ShouldBe(InferenceError.Unavailable);
    }

    private static ModelInferRequest Request(string version)
    {
        var request = new ModelInferRequest { ModelName = "scale", ModelVersion = version };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Shape = { 1, 4 } });
        request.RawInputContents.Add(Google.Protobuf.ByteString.CopyFrom(new byte[16]));
        return request;
    }

    private static ModelInferResponse Answer(ModelInferRequest request) => new() { ModelName = request.ModelName, ModelVersion = request.ModelVersion };
}

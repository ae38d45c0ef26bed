using System.Collections.Concurrent;
using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using EdgeAi.Serving.Runtime;

namespace EdgeAi.Serving.Tests.Runtime;

/// <summary>The active-version pointer: what a request without a version gets, and swaps under load.</summary>
public sealed class ActiveVersionTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ModelHost _host = Hosts.Create();

    [Fact]
    public void Resolve_ActiveOlderVersion_WinsOverNewestReady()
    {
        _host.Load("m", "1", _dir.Write("1.onnx", SampleModels.Scale(1f)));
        _host.Load("m", "2", _dir.Write("2.onnx", SampleModels.Scale(2f)));

        _host.SetActive("m", "1");

        _host.Resolve("m", null).Version.ShouldBe("1");
        _host.Resolve("m", "2").Version.ShouldBe("2");
        _host.ActiveVersion("m").ShouldBe("1");
    }

    [Fact]
    public void Resolve_ActiveUnloadedOrCleared_FallsBackToNewestReady()
    {
        _host.Load("m", "1", _dir.Write("1.onnx", SampleModels.Scale(1f)));
        _host.Load("m", "2", _dir.Write("2.onnx", SampleModels.Scale(2f)));
        _host.Load("m", "3", _dir.Write("3.onnx", SampleModels.Scale(3f)));
        _host.SetActive("m", "2");

        _host.Unload("m", "2");
        _host.ActiveVersion("m").ShouldBeNull();
        _host.Resolve("m", null).Version.ShouldBe("3");

        _host.SetActive("m", "1");
        _host.ClearActive("m");
        _host.Resolve("m", null).Version.ShouldBe("3");
    }

    [Fact]
    public void SetActive_NotLoadedOrFailed_Throws()
    {
        _host.Load("m", "1", _dir.Write("bad.onnx", [1, 2, 3]));

        Should.Throw<InvalidOperationException>(() => _host.SetActive("m", "1")).Message.ShouldContain("not ready");
        Should.Throw<InvalidOperationException>(() => _host.SetActive("m", "9")).Message.ShouldContain("not loaded");
    }

    [Fact]
    public async Task SetActive_SwappedRepeatedlyUnderConcurrentLoad_NoRequestFails()
    {
        var token = TestContext.Current.CancellationToken;
        var paths = new Dictionary<string, string>
        {
            ["1"] = _dir.Write("1.onnx", SampleModels.Scale(1f)),
            ["2"] = _dir.Write("2.onnx", SampleModels.Scale(2f)),
        };
        _host.Load("m", "1", paths["1"]);
        _host.SetActive("m", "1");
        using var stop = new CancellationTokenSource();
        var failures = new ConcurrentQueue<string>();
        var served = new ConcurrentDictionary<string, int>();
        long completed = 0;
        var workers = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var response = await _host.InferAsync(Requests.Fp32("m", [1, 4], 1, 2, 3, 4), token);
                    var factor = double.Parse(response.ModelVersion, System.Globalization.CultureInfo.InvariantCulture);
                    // The answer must come from the version that says it served: old sessions finish correctly.
                    RawTensor.ToDoubles(TensorDatatype.Fp32, response.RawOutputContents[0].Span).ShouldBe([factor, 2 * factor, 3 * factor, 4 * factor]);
                    served.AddOrUpdate(response.ModelVersion, 1, (_, n) => n + 1);
                }
                catch (Exception e) when (e is InferenceException or ShouldAssertException)
                {
                    failures.Enqueue(e.Message);
                }
                Interlocked.Increment(ref completed);
            }
        }, token)).ToArray();

        for (var swap = 0; swap < 30; swap++)
        {
            var (next, old) = swap % 2 == 0 ? ("2", "1") : ("1", "2");
            _host.Load("m", next, paths[next]);
            _host.SetActive("m", next);
            _host.Unload("m", old);
            // Let requests run on each version before the next swap, so every swap overlaps in-flight work.
            var target = Interlocked.Read(ref completed) + 50;
            SpinWait.SpinUntil(() => Interlocked.Read(ref completed) >= target, TimeSpan.FromSeconds(10)).ShouldBeTrue();
        }
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        failures.ShouldBeEmpty();
        served.Keys.Order().ShouldBe(["1", "2"]);
        Interlocked.Read(ref completed).ShouldBeGreaterThan(1500);
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }
}

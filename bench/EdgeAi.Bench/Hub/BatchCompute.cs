using System.Diagnostics;
using EdgeAi.Bench.Latency;
using Microsoft.ML.OnnxRuntime;

namespace EdgeAi.Bench.Hub;

/// <summary>Bare ONNX Runtime on the batch-dynamic model: one run at batch 1 and one at the largest batch (medians).</summary>
internal sealed record BatchCompute(int Batch, double Batch1Ms, double BatchMs)
{
    public double PerImageMs => BatchMs / Batch;

    /// <summary>How much compute per image batching saves (0.1 = 10 %).</summary>
    public double Saving => 1 - (PerImageMs / Batch1Ms);

    /// <summary>
    /// What batching can gain at most on this machine is what it saves in the model run itself: the
    /// hub's per-request work (TLS, HTTP/2, protobuf) is paid per request either way.
    /// </summary>
    public static BatchCompute Measure(ResNet18 model, string modelPath, int threads, int batch, int runs = 10)
    {
        using var options = BareOnnxRuntimePath.SessionOptionsFor(threads);
        using var session = new InferenceSession(modelPath, options);
        return new BatchCompute(batch, Median(session, model, 1, runs), Median(session, model, batch, Math.Max(3, runs / 2)));
    }

    private static double Median(InferenceSession session, ResNet18 model, int batch, int runs)
    {
        // The benchmark's own input in every row, as the hub's clients send it.
        var values = new float[batch * model.Input.Length];
        for (var row = 0; row < batch; row++)
        {
            model.Input.CopyTo(values, row * model.Input.Length);
        }
        using var input = OrtValue.CreateTensorValueFromMemory(values, [batch, .. ResNet18.Shape[1..]]);
        using var run = new RunOptions();
        var times = new List<double>(runs);
        // The first few large batches in the process ran 2x slower (about a second of them), so those warm up longer.
        var warmup = batch == 1 ? 2 : 6;
        for (var i = 0; i < runs + warmup; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using var outputs = session.Run(run, [ResNet18.InputName], [input], [session.OutputNames[0]]);
            if (i >= warmup)
            {
                times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }
        return times.Order().ElementAt(times.Count / 2);
    }
}

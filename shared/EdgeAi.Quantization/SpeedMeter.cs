using EdgeAi.Quantization.Accuracy;
using EdgeAi.Quantization.Calibration;

namespace EdgeAi.Quantization;

/// <summary>Times the fp32 and the int8 model on this machine: same threads, batch 1 (one sample), warm-up first, the median of the runs.</summary>
internal static class SpeedMeter
{
    public const int DefaultRuns = 20;

    private const int WarmUpRuns = 3;

    public static SpeedCheck Measure(byte[] fp32, byte[] int8, CalibrationSample sample, TimeProvider time, int runs = DefaultRuns, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        var threads = Environment.ProcessorCount;
        var fp32Ms = Median(fp32, "fp32", sample, threads, runs, time, cancellationToken);
        var int8Ms = Median(int8, "int8", sample, threads, runs, time, cancellationToken);
        return new SpeedCheck(fp32Ms, int8Ms, runs);
    }

    private static double Median(byte[] model, string role, CalibrationSample sample, int threads, int runs, TimeProvider time, CancellationToken cancellationToken)
    {
        using var runner = new ModelRunner(model, role, threads);
        var outputs = runner.AllOutputs.ToArray();
        var inputs = runner.Binder.Bind(sample);
        try
        {
            var times = new double[runs];
            for (var i = -WarmUpRuns; i < runs; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var start = time.GetTimestamp();
                using (runner.Run(inputs, outputs, sample.Source))
                {
                }

                if (i >= 0)
                {
                    times[i] = time.GetElapsedTime(start).TotalMilliseconds;
                }
            }

            Array.Sort(times);
            return runs % 2 == 1 ? times[runs / 2] : (times[(runs / 2) - 1] + times[runs / 2]) / 2;
        }
        finally
        {
            foreach (var input in inputs)
            {
                input.Dispose();
            }
        }
    }
}

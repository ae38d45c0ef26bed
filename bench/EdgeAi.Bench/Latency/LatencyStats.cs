namespace EdgeAi.Bench.Latency;

/// <summary>Latency percentiles (nearest rank) and sequential throughput of one path's measured iterations.</summary>
internal sealed record LatencyStats(string Label, int Count, double P50Ms, double P99Ms, double MeanMs, double RequestsPerSecond)
{
    public static LatencyStats From(string label, IReadOnlyCollection<double> millis)
    {
        ArgumentOutOfRangeException.ThrowIfZero(millis.Count);
        var sorted = millis.Order().ToArray();
        var total = sorted.Sum();
        return new LatencyStats(label, sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.99), total / sorted.Length, sorted.Length / (total / 1000));
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

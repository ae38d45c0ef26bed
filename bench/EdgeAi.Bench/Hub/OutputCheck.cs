using EdgeAi.Bench.Latency;

namespace EdgeAi.Bench.Hub;

/// <summary>Every path must compute what bare ONNX Runtime computes, or its latency means nothing.</summary>
internal static class OutputCheck
{
    public const float Tolerance = 1e-4f;

    public static async Task SameAsAsync(ILatencyPath reference, IEnumerable<ILatencyPath> paths, TextWriter progress, CancellationToken cancellationToken)
    {
        var expected = await reference.InferAndReadAsync(cancellationToken).ConfigureAwait(false);
        foreach (var path in paths)
        {
            var output = await path.InferAndReadAsync(cancellationToken).ConfigureAwait(false);
            var difference = MaxDifference(output, expected);
            await progress.WriteLineAsync($"  {path.Label}: {output.Length} outputs, max |difference| vs {reference.Label[..3]} {difference:0.0e0}").ConfigureAwait(false);
            if (difference > Tolerance)
            {
                throw new InvalidOperationException($"{path.Label} does not compute what {reference.Label} computes");
            }
        }
    }

    public static float MaxDifference(float[] output, float[] expected) =>
        output.Length == expected.Length ? output.Zip(expected, (x, y) => Math.Abs(x - y)).Max() : float.PositiveInfinity;
}

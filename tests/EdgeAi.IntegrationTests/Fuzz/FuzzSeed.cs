using System.Globalization;

namespace EdgeAi.IntegrationTests.Fuzz;

/// <summary>
/// The seed every fuzz run derives its generators from: EDGEAI_FUZZ_SEED when set (to repeat a run),
/// else a fresh one. It is written to the test output and named in every failure.
/// </summary>
internal static class FuzzSeed
{
    public const string Variable = "EDGEAI_FUZZ_SEED";

    public static int Value { get; } =
        int.TryParse(Environment.GetEnvironmentVariable(Variable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : Random.Shared.Next();

    /// <summary>One generator per surface, so a surface's sequence does not depend on which others ran.</summary>
    public static Random For(string surface)
    {
        TestContext.Current.TestOutputHelper?.WriteLine($"fuzz seed {Value} ({Variable}={Value} repeats this run), surface {surface}");
        return new Random(unchecked((Value * 31) + StableHash(surface)));
    }

    public static string Describe => $"{Variable}={Value}";

    // string.GetHashCode and HashCode.Combine are randomised per process; a surface's seed must not be.
    private static int StableHash(string text)
    {
        var hash = 17;
        foreach (var c in text)
        {
            hash = unchecked((hash * 31) + c);
        }
        return hash;
    }
}

namespace EdgeAi.Testing;

/// <summary>
/// Real photos for image tests: the sample images of Debian's python3-skimage package (astronaut.png,
/// chelsea.png, coffee.png, rocket.jpg, retina.jpg, hubble_deep_field.jpg, truncated.jpg, …), which
/// <c>scripts/test-images.sh</c> puts into <c>artifacts/test-images/</c> (gitignored; <c>.ci/run</c> runs it).
/// Outside CI a missing photo skips the test with the command to run; in CI (CI=true) it fails the test.
/// </summary>
internal static class TestImages
{
    public const string Script = "scripts/test-images.sh";

    // xunit v3 reports a test that throws with a message starting with this token as skipped (Xunit.Sdk.DynamicSkipToken),
    // which keeps this kit free of an xunit reference (the benchmark uses it too).
    private const string XunitDynamicSkipToken = "$XunitDynamicSkip$";

    public static string Directory { get; } = Path.Combine(RepositoryRoot(), "artifacts", "test-images");

    /// <summary>The photo's path; throws (skips outside CI) when it is not there.</summary>
    public static string PathOf(string name)
    {
        var path = Path.Combine(Directory, name);
        if (File.Exists(path))
        {
            return path;
        }
        var message = $"test photo {name} is not in {Directory}: run {Script} (it downloads Debian's python3-skimage sample images)";
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            throw new TestImagesMissingException(message + "; .ci/run runs it before the tests");
        }
        throw new TestImagesMissingException(XunitDynamicSkipToken + message);
    }

    public static byte[] Read(string name) => File.ReadAllBytes(PathOf(name));

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EdgeAi.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException($"no EdgeAi.sln above {AppContext.BaseDirectory}");
    }
}

/// <summary>A test photo is missing (see <see cref="TestImages"/>).</summary>
internal sealed class TestImagesMissingException : Exception
{
    public TestImagesMissingException(string message)
        : base(message)
    {
    }

    public TestImagesMissingException()
    {
    }

    public TestImagesMissingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

using System.Diagnostics;

namespace EdgeAi.PublishTests;

public sealed class PublishedAgentTests
{
    [Fact]
    [Trait("Category", "Publish")]
    public async Task PublishLinuxX64_TrimmedBinaryServesInference()
    {
        var root = RepositoryRoot();
        var start = new ProcessStartInfo("bash", [Path.Combine(root, "scripts", "publish-smoke.sh")])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(8));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        var output = await stdout + await stderr;
        TestContext.Current.TestOutputHelper?.WriteLine(output);

        process.ExitCode.ShouldBe(0, output[Math.Max(0, output.Length - 4000)..]);
        output.ShouldContain("publish-smoke: OK");
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EdgeAi.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("EdgeAi.sln not found above " + AppContext.BaseDirectory);
    }
}

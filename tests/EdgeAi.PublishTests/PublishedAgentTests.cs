using System.Diagnostics;

namespace EdgeAi.PublishTests;

/// <summary>The scripts a user runs from a fresh clone, run as they are (slow: Release builds and a publish).</summary>
public sealed class PublishedAgentTests
{
    [Fact]
    [Trait("Category", "Publish")]
    public async Task PublishLinuxX64_TrimmedBinaryServesInference()
    {
        var output = await RunScriptAsync("publish-smoke.sh");
        output.ShouldContain("publish-smoke: OK");
    }

    [Fact]
    [Trait("Category", "Publish")]
    public async Task Quickstart_WholeFleetLoop_EndsWithSummary()
    {
        var output = await RunScriptAsync("quickstart.sh");
        output.ShouldContain("served by local");
        output.ShouldContain("served by cloud on CPU, fallback: model_not_installed");
        output.ShouldContain("deployment 1: classifier v1 completed, 1/1 devices active");
        output.ShouldContain("requests   5 in the last hour, fallback rate 20%");
        output.ShouldContain("/dashboard");
    }

    private static async Task<string> RunScriptAsync(string script)
    {
        var root = RepositoryRoot();
        var start = new ProcessStartInfo("bash", [Path.Combine(root, "scripts", script)])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        // Release builds, a Native AOT publish and the runs (publish-smoke also runs the fleet loop with the binary): 7 to 14
        // minutes in CI beside the other assemblies; the limit only ends a hung script, and says where it was.
        var limit = TimeSpan.FromMinutes(30);
        timeout.CancelAfter(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            var partial = await stdout + await stderr;
            throw new TimeoutException($"{script} ran past {limit}; the end of its output: {partial[Math.Max(0, partial.Length - 4000)..]}");
        }
        var output = await stdout + await stderr;
        TestContext.Current.TestOutputHelper?.WriteLine(output);
        process.ExitCode.ShouldBe(0, output[Math.Max(0, output.Length - 4000)..]);
        return output;
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

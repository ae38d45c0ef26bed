using System.Diagnostics;
using System.Text.Json;

namespace EdgeAi.IntegrationTests.Dashboard;

/// <summary>
/// Runs tests/dashboard/check-dashboard.mjs (Playwright driving Debian's headless Chromium) and
/// returns what it printed. Outside CI a machine without node, the npm packages or Chromium skips
/// the browser tests; in CI (.ci/run installs all three) their absence fails them.
/// </summary>
internal static class BrowserRunner
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public static string ScriptDirectory { get; } = Path.Combine(RepositoryRoot(), "tests", "dashboard");

    /// <summary>Where screenshots are kept after the test (the build output, so a CI job can collect them).</summary>
    public static string ScreenshotDirectory { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    public static void SkipUnlessAvailable()
    {
        var missing = new List<string>();
        if (!File.Exists(ChromiumPath))
        {
            missing.Add($"Chromium ({ChromiumPath}: apt-get install chromium)");
        }
        if (!Directory.Exists(Path.Combine(ScriptDirectory, "node_modules", "playwright-core")))
        {
            missing.Add("playwright-core (npm ci in tests/dashboard)");
        }
        if (missing.Count == 0)
        {
            return;
        }
        var message = "browser test needs " + string.Join(" and ", missing);
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail(message + "; .ci/run installs them");
        }
        Assert.Skip(message);
    }

    /// <summary>Drives the dashboard; screenshots go to <paramref name="screenshots"/> (default <see cref="ScreenshotDirectory"/>), so tests running at once do not write the same file.</summary>
    public static Task<JsonElement> RunAsync(Uri hub, string adminKey, IEnumerable<string> expectDevices, CancellationToken cancellationToken, string? screenshots = null) =>
        RunScriptAsync("check-dashboard.mjs", hub, adminKey, new Dictionary<string, string> { ["EXPECT_DEVICES"] = string.Join(',', expectDevices) }, cancellationToken, screenshots);

    /// <summary>Runs one of the scripts in tests/dashboard with the hub's address, the admin key and <paramref name="environment"/>; its last stdout line is its JSON report.</summary>
    public static async Task<JsonElement> RunScriptAsync(string script, Uri hub, string adminKey, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken, string? screenshots = null)
    {
        ArgumentNullException.ThrowIfNull(hub);
        ArgumentNullException.ThrowIfNull(environment);
        var start = new ProcessStartInfo("node", script)
        {
            WorkingDirectory = ScriptDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["HUB_URL"] = hub.ToString().TrimEnd('/');
        start.Environment["ADMIN_KEY"] = adminKey;
        start.Environment["SCREENSHOT_DIR"] = screenshots ?? ScreenshotDirectory;
        start.Environment["CHROMIUM_PATH"] = ChromiumPath;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        var output = await stdout;
        process.ExitCode.ShouldBe(0, $"{script} failed: {await stderr}\n{output}");
        return JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement.Clone();
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

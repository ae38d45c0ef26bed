using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;

namespace EdgeAi.PublishTests;

/// <summary>
/// README's benchmark commands, taken from README itself and run with the same subcommand and options
/// in a tiny configuration, so a command README tells people to run cannot crash unnoticed (as the hub
/// mode once did on its second in-process hub). Numbers are not checked, only that the run ends well
/// and prints its report.
/// </summary>
public sealed partial class BenchCommandTests(BenchBuild build)
    : IClassFixture<BenchBuild>
{
    /// <summary>A small value per option: enough to take every code path, little enough for a 2-core CI machine.</summary>
    private static readonly Dictionary<string, string> Tiny = new(StringComparer.Ordinal)
    {
        ["--iterations"] = "3",
        ["--warmup"] = "1",
        ["--threads"] = "1",
        ["--clients"] = "2",
        ["--duration"] = "1",
        ["--queue-delays"] = "2",
        ["--enqueue-records"] = "1000",
        ["--drain-records"] = "1000",
        ["--backlog"] = "2000",
        ["--devices"] = "4",
        ["--records-per-device"] = "20",
        ["--calibration-images"] = "4",
        ["--runs"] = "3",
        ["--method"] = "minmax",
    };

    public static TheoryData<string> ReadmeCommands()
    {
        var commands = new TheoryData<string>();
        foreach (var command in BenchCommand().Matches(File.ReadAllText(Path.Combine(BenchBuild.RepositoryRoot(), "README.md")))
                     .Select(m => m.Groups[1].Value.Trim()).Distinct(StringComparer.Ordinal))
        {
            commands.Add(command);
        }
        return commands;
    }

    [Theory]
    [Trait("Category", "Bench")]
    [MemberData(nameof(ReadmeCommands))]
    public async Task ReadmeBenchCommand_TinyConfiguration_ExitsZeroWithReport(string readmeArguments)
    {
        var (subcommand, options) = Parse(readmeArguments);
        var arguments = new List<string>();
        if (subcommand is not null)
        {
            arguments.Add(subcommand);
        }
        foreach (var option in options)
        {
            Tiny.TryGetValue(option, out var value).ShouldBeTrue($"README's bench command uses {option}: give it a tiny value in {nameof(BenchCommandTests)}.{nameof(Tiny)}");
            arguments.AddRange([option, value!]);
        }

        var (exitCode, stdout, stderr) = await build.RunAsync(arguments);

        exitCode.ShouldBe(0, $"dotnet run ... -- {string.Join(' ', arguments)}\n{stderr[Math.Max(0, stderr.Length - 4000)..]}");
        // The report: its tables, and the command it echoes with the options it was given.
        stdout.ShouldContain(subcommand switch
        {
            null => "| Path | p50 (ms) |",
            "hub" => "| Configuration | clients |",
            "sync" => "| Measurement | Result |",
            "scale" => "| Configuration | devices | records |",
            "edge" => "| Path | p50 (ms) | p99 (ms) | mean (ms) |",
            "pipeline" => "| Step | p50 (ms) |",
            "quantize" => "| Model | size (MiB) | p50 (ms) |",
            _ => throw new InvalidOperationException($"README names a bench subcommand this test does not know: {subcommand}"),
        });
        var echoed = stdout.Split('\n').Single(l => l.Contains("--project bench/EdgeAi.Bench --", StringComparison.Ordinal));
        foreach (var option in options)
        {
            echoed.ShouldContain($"{option} {Tiny[option]}");
        }
    }

    private static (string? Subcommand, List<string> Options) Parse(string arguments)
    {
        var words = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var subcommand = words.Length > 0 && !words[0].StartsWith("--", StringComparison.Ordinal) ? words[0] : null;
        return (subcommand, [.. words.Where(w => w.StartsWith("--", StringComparison.Ordinal))]);
    }

    [GeneratedRegex(@"dotnet run -c Release --project bench/EdgeAi\.Bench --([^`\n]*)")]
    private static partial Regex BenchCommand();
}

/// <summary>Builds the benchmark once (the configuration these tests were built in: after the solution build it is up to date) and runs it.</summary>
public sealed class BenchBuild : IAsyncLifetime
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    // The configuration this assembly was built in, as the SDK stamps it. (Reading it from the output path
    // took one folder too many, "bin": the build then made a whole new configuration and overran its timeout.)
    private readonly string _configuration =
        typeof(BenchBuild).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public async ValueTask InitializeAsync()
    {
        var (exitCode, stdout, stderr) = await RunDotnetAsync(["build", "bench/EdgeAi.Bench", "-c", _configuration, "-v", "q", "-nologo"], BuildTimeout, tieredJit: true);
        exitCode.ShouldBe(0, stdout + stderr);
    }

    /// <summary>Runs the built benchmark as README does (<c>dotnet run ... --project bench/EdgeAi.Bench -- ARGS</c>), without building again.</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IEnumerable<string> arguments) =>
        RunDotnetAsync(["run", "--no-build", "-c", _configuration, "--project", "bench/EdgeAi.Bench", "--", .. arguments], RunTimeout, tieredJit: false);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EdgeAi.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("EdgeAi.sln not found above " + AppContext.BaseDirectory);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunDotnetAsync(IEnumerable<string> arguments, TimeSpan timeout, bool tieredJit)
    {
        var start = new ProcessStartInfo("dotnet", arguments)
        {
            WorkingDirectory = RepositoryRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (!tieredJit)
        {
            // Fully optimised code from the first call: the hub mode's wait for the JIT to settle ends
            // in one turn instead of up to 30 s per scenario. Timings change; the code paths do not.
            start.Environment["DOTNET_TieredCompilation"] = "0";
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancel.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            // Where it stopped: the streams end once the process is gone.
            var output = await stdout + await stderr;
            throw new TimeoutException(
                $"dotnet {string.Join(' ', arguments)} did not finish within {timeout}; the end of its output:\n{output[Math.Max(0, output.Length - 4000)..]}");
        }
        TestContext.Current.TestOutputHelper?.WriteLine(await stderr);
        return (process.ExitCode, await stdout, await stderr);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using EdgeAi.Testing.Logging;
using Microsoft.Extensions.Logging;

namespace EdgeAi.Testing.Processes;

/// <summary>
/// One of our executables (the build output copied beside the tests) run as a child process, so a test
/// can kill it with SIGKILL and start it again on the same data directory. Settings travel as EDGEAI_
/// environment variables; every output line is kept for failure messages, and the console logger's
/// <c>fail:</c>/<c>crit:</c> entries (one line each) are its error log, checked when it is disposed.
/// </summary>
internal abstract partial class ChildProcess : ITestHost
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly StringBuilder _output = new();
    private Process? _process;

    protected ChildProcess(string executable) => Executable = executable;

    public string Executable { get; }

    public int Id => Running.Id;

    public bool HasExited => Running.HasExited;

    public ErrorLog Errors { get; } = new("child process");

    /// <summary>Everything the process wrote so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private Process Running => _process ?? throw new InvalidOperationException($"{Executable} was not started");

    /// <summary>SIGKILL: no shutdown code runs, as when power is cut or the OOM killer strikes.</summary>
    public async Task KillAsync()
    {
        Running.Kill(entireProcessTree: true);
        await Running.WaitForExitAsync();
    }

    /// <summary>Waits for the process to exit on its own (a start it refuses) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        await Running.WaitForExitAsync(timeout.Token);
        return Running.ExitCode;
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            await KillAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
        Errors.VerifyNoErrors();
    }

    /// <summary>Starts <c>{executable} {arguments}</c> from beside this assembly with the console logger on one line per entry.</summary>
    protected void Start(IEnumerable<string> arguments, IEnumerable<KeyValuePair<string, string>> environment)
    {
        var path = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? Executable + ".exe" : Executable);
        var start = new ProcessStartInfo(path, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["EDGEAI_Logging__Console__FormatterName"] = "simple";
        start.Environment["EDGEAI_Logging__Console__FormatterOptions__SingleLine"] = "true";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {path}");
        _process = process;
        Errors.Host = $"{Executable} process {process.Id}";
        process.OutputDataReceived += (_, e) => Receive(e.Data);
        process.ErrorDataReceived += (_, e) => Receive(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Waits for <paramref name="ready"/> (set from <see cref="OnLine"/>); disposes the process and throws, with its output, if it exits or takes too long.</summary>
    protected async Task WaitForAsync(Task ready, string what)
    {
        var first = await Task.WhenAny(ready, Running.WaitForExitAsync(), Task.Delay(StartTimeout));
        if (first != ready)
        {
            var output = Output;
            await DisposeQuietlyAsync();
            throw new InvalidOperationException($"{Executable} did not {what}:\n{output}");
        }
        await ready;
    }

    /// <summary>Waits until <paramref name="condition"/> holds while the process runs; disposes it and throws, with its output, otherwise.</summary>
    protected async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        try
        {
            await Eventually.UntilAsync(
                async () => HasExited ? throw new InvalidOperationException($"{Executable} exited") : await condition(),
                what, CancellationToken.None, StartTimeout);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            var output = Output;
            await DisposeQuietlyAsync();
            throw new InvalidOperationException($"{Executable} did not {what}:\n{output}", e);
        }
    }

    /// <summary>Each line the process writes, after it is kept and scanned for errors.</summary>
    protected abstract void OnLine(string line);

    private void Receive(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
        if (ErrorLine().Match(line) is { Success: true } error)
        {
            Errors.Add(new LoggedError(
                error.Groups["level"].Value == "crit" ? LogLevel.Critical : LogLevel.Error,
                error.Groups["category"].Value,
                int.Parse(error.Groups["id"].Value, CultureInfo.InvariantCulture),
                error.Groups["message"].Value,
                Exception: null));
        }
        OnLine(line);
    }

    /// <summary>A process that failed to start: gone, and its errors beside the point (the start failure is the news).</summary>
    private async Task DisposeQuietlyAsync()
    {
        await StopAsync();
        _process?.Dispose();
    }

    // The simple console formatter with SingleLine: "fail: Category[EventId] message exception".
    [GeneratedRegex(@"^(?<level>fail|crit): (?<category>[^\s\[]+)\[(?<id>\d+)\] ?(?<message>.*)$")]
    private static partial Regex ErrorLine();
}

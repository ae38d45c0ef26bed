using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace EdgeAi.IntegrationTests.Sync;

/// <summary>
/// The real edge-agent executable (the build output copied beside the tests) run as a child
/// process, so a test can kill it with SIGKILL and start it again on the same data directory.
/// Settings travel as EDGEAI_ environment variables.
/// </summary>
internal sealed partial class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AgentProcess(Process process) => _process = process;

    public Uri HttpUri { get; private set; } = null!;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the agent wrote so far (for failure messages).</summary>
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

    public static async Task<AgentProcess> StartAsync(string dataDirectory, IDictionary<string, string> settings)
    {
        var executable = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "edge-agent.exe" : "edge-agent");
        var start = new ProcessStartInfo(executable, ["run", "--data-dir", dataDirectory, "--http-port", "0", "--grpc-port", "0", "--providers", "CPU", "--threads", "1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["EDGEAI_Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in settings)
        {
            start.Environment["EDGEAI_" + key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        var agent = new AgentProcess(Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}"));
        agent._process.OutputDataReceived += (_, e) => agent.OnLine(e.Data);
        agent._process.ErrorDataReceived += (_, e) => agent.OnLine(e.Data);
        agent._process.BeginOutputReadLine();
        agent._process.BeginErrorReadLine();
        var exited = agent._process.WaitForExitAsync();
        var first = await Task.WhenAny(agent._listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != agent._listening.Task)
        {
            var output = agent.Output;
            await agent.DisposeAsync();
            throw new InvalidOperationException($"edge-agent did not start listening:\n{output}");
        }
        agent.HttpUri = await agent._listening.Task;
        // Listening comes before the installed models are loaded: wait until the agent says it is ready.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var ready = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await IsReadyAsync(http, agent.HttpUri))
        {
            if (DateTime.UtcNow > ready || agent.HasExited)
            {
                var output = agent.Output;
                await agent.DisposeAsync();
                throw new InvalidOperationException($"edge-agent did not become ready:\n{output}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
        return agent;
    }

    private static async Task<bool> IsReadyAsync(HttpClient http, Uri agent)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(agent, "/v2/health/ready"));
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, as when power is cut or the OOM killer strikes.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
        if (ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"Edge agent listening: REST (\S+),")]
    private static partial Regex ListeningLine();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }
        _process.Dispose();
    }
}

using System.Text.RegularExpressions;

namespace EdgeAi.Testing.Processes;

/// <summary>The real edge-agent executable (<c>edge-agent run</c>) as a child process: kill it with SIGKILL, start it again on the same data directory.</summary>
internal sealed partial class AgentProcess : ChildProcess
{
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AgentProcess()
        : base("edge-agent")
    {
    }

    public Uri HttpUri { get; private set; } = null!;

    /// <summary>Starts the agent on free loopback ports (CPU, one thread) and returns once it is ready: listening, and its installed models loaded.</summary>
    public static async Task<AgentProcess> StartAsync(string dataDirectory, IEnumerable<KeyValuePair<string, string>> settings)
    {
        var agent = Launch(dataDirectory, settings);
        await agent.WaitForAsync(agent._listening.Task, "start listening");
        agent.HttpUri = await agent._listening.Task;
        // Listening comes before the installed models are loaded: wait until the agent says it is ready.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await agent.WaitUntilAsync(() => IsReadyAsync(http, agent.HttpUri), "become ready");
        return agent;
    }

    /// <summary>Starts the agent as <see cref="StartAsync"/> does but does not wait for it: for a start it should refuse (then <see cref="ChildProcess.WaitForExitAsync"/>).</summary>
    public static AgentProcess Launch(string dataDirectory, IEnumerable<KeyValuePair<string, string>> settings)
    {
        var agent = new AgentProcess();
        agent.Start(
            ["run", "--data-dir", dataDirectory, "--http-port", "0", "--grpc-port", "0", "--providers", "CPU", "--threads", "1"],
            HostSettings.AsEnvironment(settings.Select(kv => KeyValuePair.Create(kv.Key, (string?)kv.Value))));
        return agent;
    }

    protected override void OnLine(string line)
    {
        if (ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
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

    [GeneratedRegex(@"Edge agent listening: REST (\S+),")]
    private static partial Regex ListeningLine();
}

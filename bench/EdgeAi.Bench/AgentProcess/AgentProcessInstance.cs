using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using EdgeAi.Bench.Latency;
using EdgeAi.Testing;

namespace EdgeAi.Bench.AgentProcess;

/// <summary>One running agent process (<c>edge-agent run</c> on free loopback ports); disposing kills it.</summary>
internal sealed class AgentProcessInstance : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly Uri _http;
    private readonly Queue<string> _lastLines = new();

    private AgentProcessInstance(Process process, Uri http, Uri grpc)
    {
        _process = process;
        _http = http;
        GrpcUri = grpc;
    }

    public Uri GrpcUri { get; }

    public TimeSpan StartToReady { get; private set; }

    /// <summary>User + system CPU time of the process when it was first ready; null off Linux.</summary>
    public TimeSpan? CpuToReady { get; private set; }

    public static async Task<AgentProcessInstance> StartAsync(AgentBinary binary, string dataDirectory, int threads, HttpClient http, CancellationToken cancellationToken)
    {
        var httpPort = FreePort();
        var grpcPort = FreePort();
        var start = new ProcessStartInfo(binary.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in binary.PrefixArguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var argument in new[] { "run", "--data-dir", dataDirectory, "--http-port", Invariant(httpPort), "--grpc-port", Invariant(grpcPort) })
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in HostSettings.AsEnvironment(AgentSettings.For(dataDirectory, threads)))
        {
            start.Environment[key] = value;
        }

        var stopwatch = Stopwatch.StartNew();
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {binary.FileName}");
        var agent = new AgentProcessInstance(process, new Uri($"http://127.0.0.1:{httpPort}"), new Uri($"http://127.0.0.1:{grpcPort}"));
        process.OutputDataReceived += (_, e) => agent.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => agent.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await agent.WaitReadyAsync(http, stopwatch, cancellationToken).ConfigureAwait(false);
            return agent;
        }
        catch
        {
            await agent.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public long? ResidentBytes()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        // "VmRSS:	  123456 kB"
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    private TimeSpan? CpuTime()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        // /proc/<pid>/stat: fields 14 and 15 (utime, stime) in clock ticks, counted after the ")" that
        // ends the command name (which may hold spaces). Linux reports them in USER_HZ, 100 per second.
        var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    public async Task InferAsync(HttpClient http, byte[] body, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(new Uri(_http, AgentRestPath.InferPath), content, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"the agent process answered {(int)response.StatusCode} to an inference");
        }
    }

    private async Task WaitReadyAsync(HttpClient http, Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        var ready = new Uri(_http, "/v2/health/ready");
        while (stopwatch.Elapsed < ReadyTimeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the agent exited with status {_process.ExitCode} before it was ready:\n{Output()}");
            }
            try
            {
                using var response = await http.GetAsync(ready, cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    StartToReady = stopwatch.Elapsed;
                    CpuToReady = CpuTime();
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }
        throw new TimeoutException($"the agent was not ready within {ReadyTimeout.TotalSeconds:0} s:\n{Output()}");
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            if (_lastLines.Count > 40)
            {
                _lastLines.Dequeue();
            }
        }
    }

    private string Output()
    {
        lock (_lastLines)
        {
            return string.Join('\n', _lastLines);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }
        await _process.WaitForExitAsync().ConfigureAwait(false);
        _process.Dispose();
    }
}

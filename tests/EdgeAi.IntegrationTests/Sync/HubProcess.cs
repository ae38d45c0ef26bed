using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace EdgeAi.IntegrationTests.Sync;

/// <summary>
/// The real cloud-hub executable (the build output copied beside the tests) run as a child process,
/// so a test can kill it with SIGKILL, as a crash would, and start it again on the same data directory
/// and ports. Settings travel as EDGEAI_ environment variables.
/// </summary>
internal sealed partial class HubProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _mqtt = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HubProcess(Process process) => _process = process;

    /// <summary>The hub's HTTPS (gRPC and admin) address.</summary>
    public Uri Uri { get; private set; } = null!;

    /// <summary>The embedded broker's plain MQTT port.</summary>
    public int MqttPort { get; private set; }

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

    /// <summary>Starts <c>cloud-hub run</c> on 127.0.0.1 (port 0: free ports; the MQTT TLS listener off) and waits until both listeners are up.</summary>
    public static async Task<HubProcess> StartAsync(string dataDirectory, IDictionary<string, string> settings, int port = 0, int mqttPort = 0)
    {
        var executable = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "cloud-hub.exe" : "cloud-hub");
        var start = new ProcessStartInfo(executable,
            ["run", "--data-dir", dataDirectory, "--listen", "127.0.0.1", "--port", Text(port), "--mqtt-port", Text(mqttPort), "--mqtt-tls-port", "-1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["EDGEAI_Logging__Console__FormatterName"] = "simple";
        start.Environment["EDGEAI_ModelHost__ExecutionProviders__0"] = "CPU";
        foreach (var (key, value) in settings)
        {
            start.Environment["EDGEAI_" + key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        var hub = new HubProcess(Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}"));
        hub._process.OutputDataReceived += (_, e) => hub.OnLine(e.Data);
        hub._process.ErrorDataReceived += (_, e) => hub.OnLine(e.Data);
        hub._process.BeginOutputReadLine();
        hub._process.BeginErrorReadLine();
        var ready = Task.WhenAll(hub._listening.Task, hub._mqtt.Task);
        var first = await Task.WhenAny(ready, hub._process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != ready)
        {
            var output = hub.Output;
            await hub.DisposeAsync();
            throw new InvalidOperationException($"cloud-hub did not start listening:\n{output}");
        }
        hub.Uri = await hub._listening.Task;
        hub.MqttPort = await hub._mqtt.Task;
        return hub;
    }

    /// <summary>SIGKILL: no shutdown code runs, so no will is published and nothing is written on the way out.</summary>
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
        if (ListeningLine().Match(line) is { Success: true } listening)
        {
            _listening.TrySetResult(new Uri(listening.Groups[1].Value));
        }
        if (MqttLine().Match(line) is { Success: true } mqtt)
        {
            _mqtt.TrySetResult(int.Parse(mqtt.Groups[1].Value, CultureInfo.InvariantCulture));
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Cloud hub listening on (\S+) ")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"MQTT broker listening on \S+: plain port (\d+),")]
    private static partial Regex MqttLine();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }
        _process.Dispose();
    }
}

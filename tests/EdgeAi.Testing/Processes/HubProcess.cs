using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeAi.Testing.Processes;

/// <summary>
/// The real cloud-hub executable (<c>cloud-hub run</c>) as a child process: kill it with SIGKILL, as a crash
/// would, and start it again on the same data directory and ports.
/// </summary>
internal sealed partial class HubProcess : ChildProcess
{
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _mqtt = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HubProcess()
        : base("cloud-hub")
    {
    }

    /// <summary>The hub's HTTPS (gRPC and admin) address.</summary>
    public Uri Uri { get; private set; } = null!;

    /// <summary>The embedded broker's plain MQTT port; -1 with an external broker.</summary>
    public int MqttPort { get; private set; }

    /// <summary>
    /// Starts the hub on 127.0.0.1 (port 0: free ports; the MQTT TLS listener off) and waits until both listeners
    /// are up; with <paramref name="embeddedBroker"/> false (an external broker in the settings) only for HTTPS.
    /// </summary>
    public static async Task<HubProcess> StartAsync(
        string dataDirectory, IEnumerable<KeyValuePair<string, string>> settings, int port = 0, int mqttPort = 0, bool embeddedBroker = true)
    {
        var hub = new HubProcess();
        hub.Start(
            ["run", "--data-dir", dataDirectory, "--listen", "127.0.0.1", "--port", Text(port), "--mqtt-port", Text(mqttPort), "--mqtt-tls-port", "-1"],
            HostSettings.AsEnvironment([new("ModelHost:ExecutionProviders:0", "CPU"), .. settings.Select(kv => KeyValuePair.Create(kv.Key, (string?)kv.Value))]));
        await hub.WaitForAsync(embeddedBroker ? Task.WhenAll(hub._listening.Task, hub._mqtt.Task) : hub._listening.Task, "start listening");
        hub.Uri = await hub._listening.Task;
        hub.MqttPort = embeddedBroker ? await hub._mqtt.Task : -1;
        return hub;
    }

    protected override void OnLine(string line)
    {
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
}

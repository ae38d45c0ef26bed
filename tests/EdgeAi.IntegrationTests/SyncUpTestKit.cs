using EdgeAi.Common.Onnx;

namespace EdgeAi.IntegrationTests;

/// <summary>What the sync-up fault tests (outbox and uplink) share: agent-process settings, waits on the hub's store, and the exactly-once check.</summary>
internal static class SyncUpTestKit
{
    /// <summary>How long a backlog may take to reach the hub on a loaded 2-core machine.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(90);

    /// <summary>
    /// The settings of an agent process whose uplink goes to <paramref name="hub"/>'s embedded broker and which samples
    /// every request; warnings only, except the lines that say it is listening.
    /// </summary>
    public static Dictionary<string, string> ProcessSettings(TestHub hub, string telemetryInterval)
    {
        var settings = TestAgent.UplinkSettings($"mqtt://127.0.0.1:{hub.MqttPort}")
            .ToDictionary(kv => kv.Key, kv => kv.Value!);
        settings["Telemetry:Interval"] = telemetryInterval;
        settings["Telemetry:InferenceRecords"] = "Sampled";
        settings["Telemetry:SampleRate"] = "1";
        settings["Logging:LogLevel:Default"] = "Warning";
        settings["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information";
        settings["Logging:LogLevel:EdgeAi.Agent.Hosting"] = "Information";
        return settings;
    }

    /// <summary>The model the fault tests' agent processes serve: "scale" v1, doubling.</summary>
    public static void InstallScale(string dataDirectory) => ModelInstall.StoreIn(dataDirectory).Install("scale", SampleModels.Scale(2f));

    public static Task StoredAtLeastAsync(TestHub hub, string stream, int count, CancellationToken cancellationToken) =>
        Eventually.UntilAsync(async () => (await HubStore.SequencesAsync(hub, TestHub.DeviceId, stream, cancellationToken)).Count >= count,
            $"{count} {stream} records at the hub", cancellationToken, DrainTimeout);

    /// <summary>
    /// Asserts the store holds exactly seq 1..<paramref name="last"/> of the stream, each once; with
    /// <paramref name="inStoreOrder"/>, also stored in increasing order (a re-sent batch is ignored, so
    /// store order follows the device's order when the hub hears the device directly).
    /// </summary>
    public static async Task ShouldHoldExactlyAsync(TestHub hub, string device, string stream, long last, CancellationToken cancellationToken, bool inStoreOrder = true)
    {
        var stored = await HubStore.SequencesAsync(hub, device, stream, cancellationToken);
        stored.Count.ShouldBe((int)last, $"{stream}: stored {stored.Count} records, device assigned {last}");
        var expected = Enumerable.Range(1, (int)last).Select(i => (long)i);
        if (inStoreOrder)
        {
            stored.Select(r => r.Seq).ShouldBe(expected, $"{stream}: sequence numbers in store order");
        }
        else
        {
            stored.Select(r => r.Seq).Order().ShouldBe(expected, $"{stream}: sequence numbers, each once");
        }
    }
}

using EdgeAi.Common.Sync;
using EdgeAi.Hub.Broker;
using Google.Protobuf;

namespace EdgeAi.Hub.Tests.Broker;

/// <summary>Where the default Hub:Mqtt:MaxPacketBytes comes from (see its summary), checked against real messages.</summary>
public sealed class MqttOptionsTests
{
    // The agent's defaults: Uplink:BatchSize records per message, and the byte cap it also keeps under.
    private const int UplinkBatchSize = 500;
    private const int UplinkMaxBatchBytes = 1024 * 1024;

    [Fact]
    public void MaxPacketBytes_Default_HoldsTwiceAFullBatchOfTheLargestRecords()
    {
        var batch = new RecordBatch { Stream = SyncTopics.Telemetry, Epoch = 1_234_567_890_123 };
        var body = LargeTelemetry(models: 8).ToByteString();
        for (var i = 0; i < UplinkBatchSize; i++)
        {
            batch.Records.Add(new EdgeAi.Common.Sync.Record { Seq = 1_000_000 + i, CreatedUnixMs = 1_700_000_000_000 + i, Body = body });
        }
        // Topic and fixed header are a few dozen bytes more; round up generously.
        var packet = batch.CalculateSize() + 1024;

        TestContext.Current.TestOutputHelper?.WriteLine($"telemetry record (8 models): {body.Length} B; {UplinkBatchSize}-record batch: {packet} B");
        (2L * packet).ShouldBeLessThanOrEqualTo(MqttOptions.DefaultMaxPacketBytes);
        MqttOptions.DefaultMaxPacketBytes.ShouldBeGreaterThanOrEqualTo(4 * UplinkMaxBatchBytes);
    }

    /// <summary>Telemetry of a device serving <paramref name="models"/> models, every counter, reason, error code and histogram bucket filled.</summary>
    private static Telemetry LargeTelemetry(int models)
    {
        var telemetry = new Telemetry
        {
            WindowStartUnixMs = 1_700_000_000_000,
            WindowEndUnixMs = 1_700_000_030_000,
            Health = new DeviceHealth
            {
                CpuPercent = 37.25, MemoryTotalBytes = 8L << 30, MemoryAvailableBytes = 3L << 30, ProcessRssBytes = 280L << 20,
                DiskTotalBytes = 64L << 30, DiskFreeBytes = 20L << 30, UptimeSeconds = 1_234_567, AgentVersion = "0.1.0+abcdef0123456789", Os = "Debian GNU/Linux 12 (bookworm)",
            },
        };
        telemetry.Health.ExecutionProviders.AddRange(["DirectML", "CUDA", "CPU"]);
        for (var i = 0; i < models; i++)
        {
            var model = new ModelTelemetry
            {
                Model = $"model-name-{i:00}-classifier", Version = "2024.11.3", ExecutionProvider = "CUDAExecutionProvider",
                Requests = 123_456, Errors = 123, ServedLocal = 100_000, ServedCloud = 23_456,
                Latency = new LatencyHistogram { SumMs = 1_234_567.891, Count = 123_456 },
            };
            foreach (var reason in new[] { "model_not_installed", "model_not_ready", "local_failure", "overloaded", "deadline", "low_confidence" })
            {
                model.FallbackReasons[reason] = 1234;
            }
            foreach (var code in new[] { "INVALID_ARGUMENT", "UNAVAILABLE", "DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED", "INTERNAL" })
            {
                model.ErrorCodes[code] = 12;
            }
            model.Latency.BoundsMs.AddRange([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]);
            model.Latency.Counts.AddRange(Enumerable.Repeat(12_345L, 13));
            telemetry.Models.Add(model);
        }
        foreach (var stream in new[] { "deployments", "reported", "events", "telemetry", "inference" })
        {
            telemetry.Outbox.Add(new OutboxStreamStats { Stream = stream, Depth = 123_456, Dropped = 1234, Refused = 12, Expired = 1234 });
        }
        return telemetry;
    }
}

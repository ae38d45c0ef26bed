using EdgeAi.Common.Sync;
using Google.Protobuf;

namespace EdgeAi.IntegrationTests.Fuzz;

/// <summary>One MQTT application message the fuzzer sends, and what it is.</summary>
internal sealed record FuzzPublish(string Topic, byte[] Payload, bool AtLeastOnce, bool Retain, string What);

/// <summary>
/// Seeded generator of malformed MQTT traffic in both directions: what a device may publish to the hub
/// (record batches and statuses that do not parse, lie about their stream, carry numbers at their
/// limits or bodies of the wrong kind; topics it may not use) and what the hub may publish to a
/// device (desired states and commands that do not parse or name what cannot be installed), and raw
/// bytes after a valid CONNECT. Built on <see cref="MalformedRequests"/>'s junk strings and bytes.
/// </summary>
internal sealed class MalformedMqtt(Random random)
{
    private static readonly long[] Numbers =
        [0, 1, -1, 2, long.MaxValue, long.MinValue, int.MaxValue, int.MinValue, 1_700_000_000_000, 253_402_300_800_000, -62_135_596_800_001];

    private static readonly string[] DeviceLeaves =
        [SyncTopics.Telemetry, SyncTopics.Inference, SyncTopics.Events, SyncTopics.Deployments, SyncTopics.Reported, SyncTopics.Status];

    private readonly MalformedRequests _junk = new(random);

    public bool Chance(double p) => _junk.Chance(p);

    /// <summary>A message a device publishes: mostly on its own topics, sometimes on ones it may not use.</summary>
    public FuzzPublish DevicePublish(string deviceId, string otherDevice)
    {
        var (topic, leaf) = random.Next(10) switch
        {
            0 => (SyncTopics.For(deviceId, SyncTopics.Desired), "desired"),
            1 => (SyncTopics.For(otherDevice, _junk.Pick(DeviceLeaves)), "another device's"),
            2 => ($"edgeai/v1/{deviceId}/{_junk.Pick(["", "x", "telemetry/extra", "commands", "ünï"])}", "unknown"),
            _ => Own(deviceId),
        };
        var (payload, what) = leaf == SyncTopics.Status ? StatusPayload() : BatchPayload(leaf);
        return new FuzzPublish(topic, payload, Chance(0.85), Chance(0.15), $"{topic} {what}");
    }

    private (string Topic, string Leaf) Own(string deviceId)
    {
        var leaf = _junk.Pick(DeviceLeaves);
        return (SyncTopics.For(deviceId, leaf), leaf);
    }

    /// <summary>A desired state or command the hub publishes to a device, mostly broken.</summary>
    public FuzzPublish HubPublish(string deviceId, long maxRevision)
    {
        if (Chance(0.3))
        {
            var (bytes, what) = CommandPayload();
            return new FuzzPublish(SyncTopics.For(deviceId, SyncTopics.Commands), bytes, true, Chance(0.2), $"command {what}");
        }
        var (payload, described) = DesiredPayload(maxRevision);
        return new FuzzPublish(SyncTopics.For(deviceId, SyncTopics.Desired), payload, true, Chance(0.7), $"desired {described}");
    }

    /// <summary>Bytes sent after a valid CONNECT: broken packets, wrong packet types, lengths that lie.</summary>
    public (byte[] Bytes, string What) RawAfterConnect() => random.Next(6) switch
    {
        0 => (_junk.RandomBytes(random.Next(1, 300)), "random bytes"),
        1 => ([0x30, 0xFF, 0xFF, 0xFF, 0x7F, .. _junk.RandomBytes(20)], "PUBLISH claiming 256 MiB"),
        2 => ([0x32, 0x05, 0x00, 0x09, .. "edgeai/v1"u8.ToArray()], "PUBLISH whose topic runs past the packet"),
        3 => ([0x10, 0x02, 0x00, 0x00], "a second CONNECT"),
        4 => ([(byte)(random.Next(0, 16) << 4 | random.Next(16)), (byte)random.Next(0, 128), .. _junk.RandomBytes(random.Next(0, 128))], "a packet of a random type"),
        _ => ([0x82, 0x04, 0x00, 0x01, 0x00, 0x00], "SUBSCRIBE with an empty filter"),
    };

    private (byte[] Payload, string What) BatchPayload(string leaf)
    {
        switch (random.Next(9))
        {
            case 0:
                return (_junk.RandomBytes(random.Next(0, 600)), "random bytes");
            case 1:
                var whole = Batch(leaf).ToByteArray();
                return (whole[..random.Next(0, whole.Length)], "truncated batch");
            case 2:
                return ([.. Batch(leaf).ToByteArray(), .. _junk.RandomBytes(random.Next(1, 40))], "batch with trailing bytes");
            case 3:
                var mislabelled = Batch(_junk.Pick([.. DeviceLeaves, "", "nope", _junk.JunkString()]));
                return (mislabelled.ToByteArray(), $"batch saying stream '{Short(mislabelled.Stream)}'");
            case 4:
                var empty = new RecordBatch { Stream = leaf, Epoch = _junk.Pick(Numbers) };
                return (empty.ToByteArray(), "batch without records");
            case 5:
                return ([], "empty payload");
            default:
                var batch = Batch(leaf);
                return (batch.ToByteArray(), $"batch of {batch.Records.Count} records, epoch {batch.Epoch}");
        }
    }

    private RecordBatch Batch(string stream)
    {
        var batch = new RecordBatch { Stream = stream, Epoch = Chance(0.5) ? _junk.Pick(Numbers) : random.NextInt64() };
        var count = random.Next(6) == 0 ? random.Next(500, 3000) : random.Next(1, 20);
        var seq = _junk.Pick(Numbers);
        for (var i = 0; i < count; i++)
        {
            batch.Records.Add(new EdgeAi.Common.Sync.Record
            {
                // Repeats, gaps and wrap-around at the limits.
                Seq = Chance(0.1) ? _junk.Pick(Numbers) : unchecked(seq + i),
                CreatedUnixMs = Chance(0.3) ? _junk.Pick(Numbers) : 1_700_000_000_000 + i,
                Body = Body(stream),
            });
        }
        return batch;
    }

    /// <summary>A record body: the right message, the wrong one, garbage or nothing.</summary>
    private ByteString Body(string stream) => random.Next(6) switch
    {
        0 => ByteString.CopyFrom(_junk.RandomBytes(random.Next(0, 64))),
        1 => ByteString.Empty,
        2 => new Status { Online = true, Reason = _junk.JunkString() }.ToByteString(),
        _ => stream switch
        {
            SyncTopics.Telemetry => new Telemetry
            {
                WindowStartUnixMs = _junk.Pick(Numbers),
                WindowEndUnixMs = _junk.Pick(Numbers),
                Health = new DeviceHealth { CpuPercent = _junk.Pick([double.NaN, double.PositiveInfinity, -1, 1e308, 50]), AgentVersion = _junk.JunkString() },
                Models = { new ModelTelemetry { Model = _junk.JunkString(), Requests = _junk.Pick(Numbers), Errors = _junk.Pick(Numbers), ServedCloud = _junk.Pick(Numbers) } },
            }.ToByteString(),
            SyncTopics.Events => new DeviceEvent { Kind = _junk.JunkString(), Severity = _junk.JunkString(), Message = _junk.JunkString(), Attributes = { [_junk.JunkString()] = _junk.JunkString() } }.ToByteString(),
            SyncTopics.Deployments => new DeploymentStatus { DesiredRevision = _junk.Pick(Numbers), Model = _junk.JunkString(), Version = _junk.JunkString(), State = _junk.Pick(["active", "failed", "downloading", "", _junk.JunkString()]), Message = _junk.JunkString() }.ToByteString(),
            SyncTopics.Reported => new ReportedState
            {
                DesiredRevision = _junk.Pick(Numbers),
                Models = { new InstalledModel { Name = _junk.JunkString(), Version = _junk.JunkString(), State = _junk.JunkString() } },
                Config = { [_junk.JunkString()] = _junk.JunkString() },
            }.ToByteString(),
            _ => new InferenceRecord { Model = _junk.JunkString(), LatencyMs = _junk.Pick([double.NaN, -1, 1e308, double.NegativeInfinity, 3]), Status = _junk.JunkString() }.ToByteString(),
        },
    };

    private (byte[] Payload, string What) StatusPayload() => random.Next(5) switch
    {
        0 => (_junk.RandomBytes(random.Next(0, 200)), "random bytes"),
        1 => ([], "empty status"),
        _ => (new Status
        {
            Online = Chance(0.5),
            AtUnixMs = _junk.Pick(Numbers),
            StartedUnixMs = _junk.Pick(Numbers),
            AgentVersion = _junk.JunkString(),
            Reason = Chance(0.2) ? new string('r', random.Next(10_000, 100_000)) : _junk.JunkString(),
        }.ToByteArray(), "status with extreme fields"),
    };

    private (byte[] Payload, string What) DesiredPayload(long maxRevision)
    {
        switch (random.Next(6))
        {
            case 0:
                return (_junk.RandomBytes(random.Next(1, 300)), "random bytes");
            case 1:
                var whole = Desired(maxRevision).ToByteArray();
                return (whole[..random.Next(0, whole.Length)], "truncated");
            default:
                var state = Desired(maxRevision);
                return (state.ToByteArray(), $"revision {state.Revision}, {state.Models.Count} models, {state.Config.Count} config keys");
        }
    }

    private DesiredState Desired(long maxRevision)
    {
        var state = new DesiredState { Revision = random.NextInt64(-5, maxRevision) };
        var models = random.Next(4);
        for (var i = 0; i < models; i++)
        {
            state.Models.Add(new DesiredModel
            {
                Name = _junk.Pick(["scale", "../escape", "..", "a/b", "", _junk.JunkString()]),
                Version = _junk.Pick(["1", "2", "..", "../../escape", "", _junk.JunkString()]),
                Sha256 = _junk.Pick(["", "00", new string('a', 64), new string('Z', 64), _junk.JunkString()]),
                Signature = ByteString.CopyFrom(_junk.RandomBytes(random.Next(0, 80))),
                // Never a valid policy other than the default: the test checks the device still serves "scale" itself.
                RoutingPolicy = _junk.Pick(["", "local-first", "nonsense", "Cloud-Only", _junk.JunkString()]),
            });
        }
        var keys = random.Next(4);
        for (var i = 0; i < keys; i++)
        {
            state.Config[_junk.Pick(["Telemetry:SampleRate", "Telemetry:Interval", "Routing:DefaultPolicy", "Agent:DataDirectory", "Cloud:HubUrl", "", _junk.JunkString()])] =
                _junk.Pick(["-1", "2", "NaN", "00:00:00", "-00:00:01", "10675199.02:48:05.4775807", "local-only", "", _junk.JunkString()]);
        }
        return state;
    }

    private (byte[] Payload, string What) CommandPayload() => random.Next(3) switch
    {
        0 => (_junk.RandomBytes(random.Next(0, 200)), "random bytes"),
        _ => (new Command { Id = _junk.JunkString(), Name = _junk.Pick(["restart", "support-bundle", "", _junk.JunkString()]), Arguments = { [_junk.JunkString()] = _junk.JunkString() } }.ToByteArray(), "with junk fields"),
    };

    private static string Short(string text) => text.Length > 40 ? text[..40] + "…" : text;
}

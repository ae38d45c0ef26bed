using System.Text;
using EdgeAi.Agent.Outbox;
using EdgeAi.Common.Onnx;
using EdgeAi.Common.Sync;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeAi.IntegrationTests.Outbox;

/// <summary>
/// The outbox encrypted at rest under faults, in the real agent: a key that no longer fits its outbox, and an
/// agent process killed with SIGKILL while it rewrites a plain outbox encrypted.
/// </summary>
[Trait("Category", "Fault")]
public sealed class OutboxEncryptionFaultTests : IDisposable
{
    private static readonly Dictionary<string, string?> EncryptionOn = new() { ["Outbox:Encryption"] = "On" };
    private readonly Scratch _scratch = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Agent_OutboxKeyReplaced_OutboxMovedAsideReportedAndServes()
    {
        await using var hub = new TestHub(_scratch.Sub("hub"));
        await hub.StartAsync();
        var data = _scratch.Sub("agent");
        await using (var first = new TestAgent(data))
        {
            await first.StartAsync(hub, EncryptionOn);
            await Eventually.UntilAsync(async () => (await HubStore.EventsAsync(hub, TestHub.DeviceId, Token)).Count == 1, "the first start event", Token);
        }
        var outbox = Path.Combine(data, new OutboxOptions().FileName);
        OutboxCipher.IsEncrypted(outbox).ShouldBeTrue();
        // Another device's key, say: the outbox cannot be read with it.
        var keyFile = Path.Combine(data, OutboxKeyFile.FileName);
        File.Delete(keyFile);
        OutboxKeyFile.Create(keyFile);

        await using var agent = new TestAgent(data);
        agent.Install("scale", SampleModels.Scale(2f));
        agent.ExpectErrors(typeof(DurableOutbox), 2501, "Outbox file replaced");
        await agent.StartAsync(hub, EncryptionOn);

        (await agent.Grpc.ModelInferAsync(Requests.Fp32("scale", [1, 4], [1, 2, 3, 4]), cancellationToken: Token)).Outputs.Count.ShouldBe(1);
        Directory.GetFiles(data, "outbox.db.corrupt-*").ShouldNotBeEmpty();
        await Eventually.UntilAsync(async () => (await HubStore.EventsAsync(hub, TestHub.DeviceId, Token))
                .Any(e => e.Kind == "outbox_reset" && e.Attributes["reason"].Contains("another key", StringComparison.Ordinal)),
            "the outbox_reset event naming the key at the hub", Token);
        OutboxCipher.IsEncrypted(outbox).ShouldBeTrue("the fresh outbox is encrypted with the new key");
    }

    [Fact]
    public async Task AgentProcess_KilledWhileEncryptingItsOutbox_NoRecordLost()
    {
        const int records = 300_000;
        var data = _scratch.Sub("agent");
        var file = Path.Combine(data, new OutboxOptions().FileName);
        var options = new OutboxOptions { MaxTotalRecords = records * 2 };
        options.Streams[SyncTopics.Inference].MaxRecords = records * 2;
        using (var plain = DurableOutbox.Open(file, options, TimeProvider.System))
        {
            for (var first = 1; first <= records; first += 1000)
            {
                plain.Append(SyncTopics.Inference, [.. Enumerable.Range(first, 1000).Select(i => Encoding.UTF8.GetBytes($"record-{i}"))]);
            }
        }
        var settings = new Dictionary<string, string>
        {
            ["Outbox:Encryption"] = "On",
            ["Outbox:MaxTotalRecords"] = (records * 2).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Outbox:Streams:inference:MaxRecords"] = (records * 2).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        await using (var agent = AgentProcess.Launch(data, settings))
        {
            // The copy is being written: kill the agent in the middle of it.
            await Eventually.UntilAsync(() => Task.FromResult(File.Exists(OutboxMigration.TemporaryPathFor(file)) || agent.HasExited),
                () => "the migration to start\n" + agent.Output, Token, every: TimeSpan.FromMilliseconds(5));
            agent.HasExited.ShouldBeFalse(agent.Output);
            await agent.KillAsync();
        }

        File.Exists(file).ShouldBeTrue("the old file stays until the new one is complete");
        var key = OutboxKeyFile.TryRead(Path.Combine(data, OutboxKeyFile.FileName)).ShouldNotBeNull("the key was created before the rewrite");
        using var reopened = DurableOutbox.Open(file, options, TimeProvider.System, NullLogger<DurableOutbox>.Instance, new OutboxEncryption(true, key));
        reopened.LastReset.ShouldBeNull("nothing was damaged");
        reopened.IsEncrypted.ShouldBeTrue();
        var all = reopened.Peek(SyncTopics.Inference, records + 10);
        all.Count.ShouldBe(records);
        all.Select(r => r.Sequence).ShouldBe(Enumerable.Range(1, records).Select(i => (long)i));
        all[^1].Payload.ShouldBe(Encoding.UTF8.GetBytes($"record-{records}"));
        File.Exists(OutboxMigration.TemporaryPathFor(file)).ShouldBeFalse();
    }

    public void Dispose() => _scratch.Dispose();
}

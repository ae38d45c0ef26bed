using EdgeAi.Testing;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using EdgeAi.Agent.Logging;
using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.Support;
using EdgeAi.Common.Diagnostics;
using EdgeAi.Common.Onnx;
using EdgeAi.Common.Sync;
using EdgeAi.Serving.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Agent.Tests.Support;

/// <summary>The archive a bundle is, written from real files in a temporary data directory and read back with TarReader.</summary>
public sealed class SupportBundleTests : IDisposable
{
    private const string Secret = "s3cret-device-key-4711";
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeai-bundle-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string LogDirectory => Path.Combine(_dir, "logs");

    [Fact]
    public async Task Write_FromTheCli_HoldsEveryDocumentWithTheirContent()
    {
        InstallModel();
        FillOutbox(5);
        WriteLog(LogFiles.CurrentName, "2026-12-03T11:59:00.000Z INFO  EdgeAi.Agent: started\n");

        var entries = await BundleArchive.EntriesAsync(await WriteAsync(Sources()), Token);

        entries.Keys.ShouldBe(["manifest.json", "check.json", "configuration.json", "outbox.json", "models.json", "logs/agent.log"]);
        var manifest = Json(entries["manifest.json"]);
        manifest.GetProperty("deviceId").GetString().ShouldBe("device-a");
        manifest.GetProperty("madeBy").GetString().ShouldBe("cli");
        manifest.GetProperty("createdAt").GetDateTimeOffset().ShouldBe(_time.GetUtcNow());
        manifest.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("name").GetString()).ShouldBe(entries.Keys.Skip(1));
        manifest.GetProperty("os").GetString().ShouldNotBeNullOrEmpty();

        var check = Json(entries["check.json"]);
        check.GetProperty("status").GetString().ShouldBe("warn");
        check.GetProperty("checks")[0].GetProperty("id").GetString().ShouldBe("hub");

        var outbox = Json(entries["outbox.json"]).GetProperty("streams").EnumerateArray().Single(s => s.GetProperty("depth").GetInt64() > 0);
        outbox.GetProperty("stream").GetString().ShouldBe(SyncTopics.Telemetry);
        outbox.GetProperty("depth").GetInt64().ShouldBe(5);
        outbox.GetProperty("oldestAgeSeconds").GetDouble().ShouldBe(60);

        var model = Json(entries["models.json"]).GetProperty("models").EnumerateArray().Single();
        model.GetProperty("name").GetString().ShouldBe("classifier");
        model.GetProperty("sha256").GetString()!.Length.ShouldBe(64);
        model.GetProperty("sizeBytes").GetInt64().ShouldBeGreaterThan(0);

        Encoding.UTF8.GetString(entries["logs/agent.log"]).ShouldContain("EdgeAi.Agent: started");
    }

    [Fact]
    public async Task Write_SecretInConfigurationAndLog_TheSecretIsNowhereInTheArchive()
    {
        WriteLog(LogFiles.CurrentName, $"2026-12-03T11:59:00.000Z WARN  EdgeAi.Agent: a message that quoted {Secret} by mistake\n");

        var archive = await WriteAsync(Sources());

        var secret = Encoding.UTF8.GetBytes(Secret);
        archive.AsSpan().IndexOf(secret).ShouldBe(-1);
        var tar = BundleArchive.Decompressed(archive);
        tar.AsSpan().IndexOf(secret).ShouldBe(-1, "not in any file of the archive");
        var entries = await BundleArchive.EntriesAsync(archive, Token);
        Json(entries["configuration.json"]).GetProperty("values").GetProperty("Cloud:DeviceKey").GetString().ShouldBe(ConfigurationRedaction.Redacted);
        Json(entries["configuration.json"]).GetProperty("values").GetProperty("Agent:DeviceId").GetString().ShouldBe("device-a");
        Encoding.UTF8.GetString(entries["logs/agent.log"]).ShouldContain("quoted *** by mistake");
    }

    [Fact]
    public async Task Write_LogsOverTheCap_KeepsTheNewestWholeLinesWithinTheCap()
    {
        var line = new string('x', 1023) + "\n";
        WriteLog("agent.2.log", string.Concat(Enumerable.Repeat("old " + line, 2048)));   // ~2 MiB, oldest
        WriteLog("agent.1.log", string.Concat(Enumerable.Repeat("mid " + line, 2048)));
        WriteLog(LogFiles.CurrentName, string.Concat(Enumerable.Repeat("new " + line, 2048)) + "last line\n");

        var entries = await BundleArchive.EntriesAsync(await WriteAsync(Sources()), Token);

        var logs = entries.Where(e => e.Key.StartsWith("logs/", StringComparison.Ordinal)).ToList();
        logs.Sum(e => e.Value.Length).ShouldBeLessThanOrEqualTo(SupportBundle.MaxLogBytes);
        Encoding.UTF8.GetString(entries["logs/agent.log"]).ShouldEndWith("last line\n");
        entries.ContainsKey("logs/agent.2.log").ShouldBeFalse("the oldest file does not fit");
        Encoding.UTF8.GetString(entries["logs/agent.1.log"]).ShouldStartWith("mid ");
        Json(entries["manifest.json"]).GetProperty("logsTruncated").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public void Entries_MadeByTheRunningAgent_SkippedChecksListedWithTheirReason()
    {
        var sources = Sources() with { Maker = BundleMaker.Agent, RequestId = "sb-1", SkippedChecks = [new SkippedCheck("broker", "would take over the connection")] };

        var check = Json(SupportBundle.Entries(sources, _time.GetUtcNow()).Single(e => e.Name == "check.json").Content);

        var skipped = check.GetProperty("skipped").EnumerateArray().Single();
        skipped.GetProperty("id").GetString().ShouldBe("broker");
        skipped.GetProperty("status").GetString().ShouldBe("skipped");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private BundleSources Sources()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Agent:DeviceId"] = "device-a",
            ["Agent:DataDirectory"] = _dir,
            ["Cloud:DeviceKey"] = Secret,
        }).Build();
        return new BundleSources(BundleMaker.Cli, null, "device-a", _dir, configuration,
            [CheckResult.Warn("hub", "not configured", "set Cloud:HubUrl")], [], Path.Combine(_dir, "outbox.db"),
            new ModelStore(Path.Combine(_dir, "models"), _time), LogDirectory, 3);
    }

    private async Task<byte[]> WriteAsync(BundleSources sources)
    {
        using var buffer = new MemoryStream();
        await SupportBundle.WriteAsync(buffer, sources, _time.GetUtcNow(), Token);
        return buffer.ToArray();
    }

    private static JsonElement Json(byte[] content)
    {
        using var document = JsonDocument.Parse(content);
        return document.RootElement.Clone();
    }

    private void WriteLog(string name, string text)
    {
        Directory.CreateDirectory(LogDirectory);
        File.WriteAllText(Path.Combine(LogDirectory, name), text);
    }

    private void InstallModel()
    {
        var file = Path.Combine(_dir, "classifier.onnx");
        File.WriteAllBytes(file, SampleModels.Classifier());
        new ModelStore(Path.Combine(_dir, "models"), _time).Add(file, "classifier", "1");
    }

    private void FillOutbox(int records)
    {
        var at = new FakeTimeProvider(_time.GetUtcNow().AddMinutes(-1));
        using var outbox = DurableOutbox.Open(Path.Combine(_dir, "outbox.db"), new OutboxOptions(), at);
        outbox.Append(SyncTopics.Telemetry, [.. Enumerable.Range(0, records).Select(i => new byte[] { (byte)i, 1, 2, 3 })]);
        outbox.Checkpoint();
    }
}

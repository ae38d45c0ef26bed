using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using EdgeAi.Common.Fleet;
using EdgeAi.Common.Onnx;
using EdgeAi.Common.Sync;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static EdgeAi.IntegrationTests.Enrollment.EnrollmentTestKit;
using static EdgeAi.Testing.Hosts.AdminApi;

namespace EdgeAi.IntegrationTests.Support;

/// <summary>
/// Support bundles end to end with the real hub and agent: the admin asks (CLI, admin API), the hub publishes the
/// command, the agent builds the bundle in the background and uploads it over gRPC, the CLI downloads it; and the
/// hub's refusals: a request id not issued to the uploading device, a bundle over the size limit, a device that
/// does not answer.
/// </summary>
public sealed class SupportBundleTests() : HubAndAgentTest(new Dictionary<string, string?>
{
    [$"Hub:DeviceKeys:{OtherDevice}"] = OtherKey,
    ["Hub:SupportBundles:MaxBundleBytes"] = MaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
})
{
    private const string OtherDevice = "device-b";
    private const string OtherKey = "device-b-key-0123456789";
    private const string Secret = "bundle-secret-token-8842";
    private const int MaxBytes = 512 * 1024;

    private string[] Connection => ["--hub", Hub.Uri.ToString(), "--data-dir", Hub.DataDirectory, "--admin-key", TestHub.AdminKey];

    public override async ValueTask InitializeAsync()
    {
        Agent.Install("classifier", SampleModels.Classifier());
        await StartAsync(new Dictionary<string, string?>
        {
            ["Support:Webhook:ApiToken"] = Secret,
            ["Logging:File:LogLevel:Default"] = "Information",
        });
    }

    [Fact]
    public async Task DevicesBundle_AgentOnline_ArchiveHoldsEveryDocumentWithTheSecretsRedacted()
    {
        var uplink = Agent.Services.GetRequiredService<EdgeAi.Agent.Uplink.UplinkState>();
        await Eventually.UntilAsync(() => Task.FromResult(uplink.Connected), "the agent's uplink connected", Token);
        var file = Path.Combine(Scratch.Root, "bundle.tar.gz");

        var result = await CliRunner.HubAsync(["devices", "bundle", TestHub.DeviceId, "--output", file, "--timeout", "1m", .. Connection]);

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Output.ShouldContain($"saved {file}");
        var archive = await File.ReadAllBytesAsync(file, Token);
        var entries = await BundleArchive.EntriesAsync(archive, Token);
        entries.Keys.ShouldBe(["manifest.json", "check.json", "configuration.json", "outbox.json", "models.json", "logs/agent.log"], ignoreOrder: true);
        var manifest = Json(entries["manifest.json"]);
        manifest.GetProperty("madeBy").GetString().ShouldBe("agent");
        manifest.GetProperty("deviceId").GetString().ShouldBe(TestHub.DeviceId);
        var check = Json(entries["check.json"]);
        check.GetProperty("skipped").EnumerateArray().Select(s => s.GetProperty("id").GetString()).ShouldBe(["models", "broker"], ignoreOrder: true);
        check.GetProperty("checks").EnumerateArray().ShouldContain(c => c.GetProperty("id").GetString() == "hub");
        var values = Json(entries["configuration.json"]).GetProperty("values");
        values.GetProperty("Support:Webhook:ApiToken").GetString().ShouldBe("***");
        values.GetProperty("Cloud:DeviceKey").GetString().ShouldBe("***");
        Json(entries["outbox.json"]).GetProperty("streams").EnumerateArray().Select(s => s.GetProperty("stream").GetString()).ShouldBe(SyncTopics.Streams);
        var model = Json(entries["models.json"]).GetProperty("models").EnumerateArray().Single();
        model.GetProperty("name").GetString().ShouldBe("classifier");
        model.GetProperty("executionProvider").GetString().ShouldBe("CPU");
        Encoding.UTF8.GetString(entries["logs/agent.log"]).ShouldContain("EdgeAi.Serving.Runtime.ModelHost[");
        foreach (var secret in new[] { Secret, TestHub.DeviceKey })
        {
            archive.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)).ShouldBe(-1);
            BundleArchive.Decompressed(archive).AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)).ShouldBe(-1, $"'{secret}' is in no file of the bundle");
        }

        var listed = await CliRunner.HubAsync(["devices", "bundles", TestHub.DeviceId, .. Connection]);
        listed.Output.ShouldContain(manifest.GetProperty("requestId").GetString()!);
        listed.Output.ShouldContain("received");
        var audit = await AuditAsync(Hub, "?action=device.bundle.request", Token);
        audit.ShouldContain(a => a.GetProperty("target").GetString() == TestHub.DeviceId);
    }

    [Fact]
    public async Task SupportBundleCli_AgentRunning_WritesTheArchiveFromTheFilesWithoutWritingTheLog()
    {
        var file = Path.Combine(Scratch.Root, "cli-bundle.tar.gz");
        var log = Path.Combine(Agent.DataDirectory, "logs", "agent.log");
        await Eventually.UntilAsync(() => Task.FromResult(File.Exists(log)), "the running agent's log file", Token);

        var result = await CliRunner.AgentAsync(["support-bundle", "--output", file, "--data-dir", Agent.DataDirectory]);

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Output.ShouldStartWith($"wrote {file} (");
        var entries = await BundleArchive.EntriesAsync(await File.ReadAllBytesAsync(file, Token), Token);
        Json(entries["manifest.json"]).GetProperty("madeBy").GetString().ShouldBe("cli");
        Json(entries["models.json"]).GetProperty("models").EnumerateArray().Single().GetProperty("name").GetString().ShouldBe("classifier");
        Json(entries["check.json"]).GetProperty("checks").EnumerateArray().ShouldContain(c => c.GetProperty("id").GetString() == "model classifier/1");
        Encoding.UTF8.GetString(entries["logs/agent.log"]).ShouldContain("EdgeAi.Serving.Runtime.ModelHost[");
        Json(entries["configuration.json"]).GetProperty("values").GetProperty("Agent:DataDirectory").GetString().ShouldBe(Agent.DataDirectory);
    }

    [Fact]
    public async Task Upload_RequestIssuedToAnotherDevice_PermissionDenied()
    {
        var requestId = await RequestAsync(OtherDevice);

        var error = await Should.ThrowAsync<RpcException>(() => UploadAsync(TestHub.DeviceKey, requestId, new byte[100]));

        error.StatusCode.ShouldBe(StatusCode.PermissionDenied);
        error.Status.Detail.ShouldBe($"support bundle request {requestId} was not issued to device {TestHub.DeviceId}");
    }

    [Fact]
    public async Task Upload_OverTheLimit_ResourceExhaustedNamingTheLimit()
    {
        var requestId = await RequestAsync(OtherDevice);

        var error = await Should.ThrowAsync<RpcException>(() => UploadAsync(OtherKey, requestId, new byte[MaxBytes + 1]));

        error.StatusCode.ShouldBe(StatusCode.ResourceExhausted);
        error.Status.Detail.ShouldBe($"the support bundle is over the hub's limit of {MaxBytes} bytes (Hub:SupportBundles:MaxBundleBytes)");
        using var admin = AdminClient(Hub);
        using var archive = await admin.GetAsync(new Uri($"/api/devices/{OtherDevice}/bundles/{requestId}/archive", UriKind.Relative), Token);
        archive.StatusCode.ShouldBe(HttpStatusCode.Conflict, "nothing was stored");
    }

    [Fact]
    public async Task DevicesBundle_DeviceNeverAnswers_TimesOutSayingWhatHappensNext()
    {
        var result = await CliRunner.HubAsync(["devices", "bundle", OtherDevice, "--timeout", "2s", .. Connection]);

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain($"device {OtherDevice} did not send support bundle sb-");
        result.Error.ShouldContain("within 00:00:02: it may be offline");
        result.Error.ShouldContain($"cloud-hub devices bundle {OtherDevice} --request sb-");
    }

    private async Task<string> RequestAsync(string deviceId)
    {
        using var admin = AdminClient(Hub);
        using var response = await admin.PostAsync(new Uri($"/api/devices/{deviceId}/bundles", UriKind.Relative), null, Token);
        var body = await response.Content.ReadAsStringAsync(Token);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, body);
        return Json(Encoding.UTF8.GetBytes(body)).GetProperty("requestId").GetString()!;
    }

    private async Task<SupportBundleReceipt> UploadAsync(string key, string requestId, byte[] bundle)
    {
        var (channel, _, headers) = Hub.Client(key);
        using (channel)
        {
            using var call = new Common.Fleet.Fleet.FleetClient(channel).UploadSupportBundle(headers, cancellationToken: Token);
            try
            {
                for (var offset = 0; offset < bundle.Length; offset += SupportBundles.ChunkBytes)
                {
                    var data = bundle.AsMemory(offset, Math.Min(SupportBundles.ChunkBytes, bundle.Length - offset));
                    await call.RequestStream.WriteAsync(new SupportBundleChunk { RequestId = requestId, Data = ByteString.CopyFrom(data.Span) }, Token);
                }
                await call.RequestStream.CompleteAsync();
            }
            catch (Exception e) when (e is InvalidOperationException or RpcException)
            {
                // Refused before the end: the status is in the response.
            }
            return await call.ResponseAsync;
        }
    }

    private static JsonElement Json(byte[] content)
    {
        using var document = JsonDocument.Parse(content);
        return document.RootElement.Clone();
    }
}

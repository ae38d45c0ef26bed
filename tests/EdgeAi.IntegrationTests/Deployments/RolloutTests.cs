using System.Net;
using EdgeAi.Common.Fleet;
using EdgeAi.Common.Onnx;
using EdgeAi.Common.Sync;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static EdgeAi.IntegrationTests.Enrollment.EnrollmentTestKit;
using static EdgeAi.IntegrationTests.RolloutTestKit;
using static EdgeAi.Testing.Mqtt.DeviceMqtt;
using static EdgeAi.Testing.Hosts.AdminApi;

namespace EdgeAi.IntegrationTests.Deployments;

/// <summary>
/// Deployments against a real hub and three simulated lobby devices (plus one elsewhere): waves and
/// their health gate, halts and rollback, pause and resume, operator rollback, supersession,
/// desired states republished after a restart, and the twin's desired config.
/// </summary>
public sealed class RolloutTests() : SimulatedFleetTest([.. Lobby, Dock])
{
    private static readonly string[] Lobby = ["dev-1", "dev-2", "dev-3"];
    private const string Dock = "dev-4";

    private SimulatedDevice Dev(int n) => Devices[n - 1];

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        foreach (var id in Lobby)
        {
            await TagAsync(Hub, id, """{"site":"lobby","kind":"camera"}""", Token);
        }
        await TagAsync(Hub, Dock, """{"site":"dock"}""", Token);
        await PushOkAsync(Admin, "classifier", "1", SampleModels.Classifier(), Token);
        await PushOkAsync(Admin, "classifier", "2", SampleModels.Classifier(features: 4, classes: 5), Token);
    }

    [Fact]
    public async Task Deploy_InWaves_OneWaveAtATimeEachWithItsOwnRevision()
    {
        var id = await DeployAsync(Admin, """{"model":"classifier","version":"1","selector":{"site":"lobby"},"waves":[10,50,100],"healthTimeout":"1m"}""", Token);

        var first = await Dev(1).WaitForDesiredAsync(s => s.Models.Any(m => m.Version == "1"), "classifier 1 desired", Token);
        first.Revision.ShouldBe(1);
        var model = first.Models.Single();
        model.RoutingPolicy.ShouldBe("local-first");
        using (var publicKey = ModelSignature.ImportPublicKey(await File.ReadAllTextAsync(Path.Combine(Hub.DataDirectory, "model-signing.pub"), Token)))
        {
            ModelSignature.Verify(publicKey, "classifier", "1", model.Sha256, model.Signature.Span).ShouldBeTrue();
        }
        var inWave1 = await DeploymentAsync(Admin, id, Token);
        inWave1.GetProperty("waveProgress")[0].GetProperty("state").GetString().ShouldBe("in_progress");
        inWave1.GetProperty("targets").EnumerateArray().Select(t => (t.GetProperty("deviceId").GetString(), t.GetProperty("state").GetString()))
            .ShouldBe([("dev-1", "updating"), ("dev-2", "pending"), ("dev-3", "pending")]);
        Dev(2).Latest.ShouldBeNull();

        await Dev(1).ReportAsync("classifier", "1", "downloading", Token);
        await Dev(1).ReportAsync("classifier", "1", "active", Token);
        await Dev(2).WaitForDesiredAsync(s => s.Models.Any(m => m.Version == "1"), "wave 2 reaches dev-2", Token);
        Dev(3).Latest.ShouldBeNull();
        await Dev(2).ReportAsync("classifier", "1", "active", Token);
        await Dev(3).WaitForDesiredAsync(s => s.Models.Any(m => m.Version == "1"), "wave 3 reaches dev-3", Token);
        await Dev(3).ReportAsync("classifier", "1", "active", Token);

        var done = await WaitForStateAsync(Admin, id, "completed", Token);
        done.GetProperty("devices").GetProperty("active").GetInt32().ShouldBe(3);
        done.GetProperty("waveProgress").EnumerateArray().Select(w => w.GetProperty("state").GetString()).ShouldAllBe(s => s == "passed");
        Dev(4).Latest.ShouldBeNull("the dock device is not selected");

        // A second deployment: every lobby device's desired state moves on with a higher revision.
        await DeployAsync(Admin, """{"model":"classifier","version":"2","selector":{"site":"lobby"}}""", Token);
        foreach (var device in Devices[..3])
        {
            var next = await device.WaitForDesiredAsync(s => s.Models.Any(m => m.Version == "2"), "classifier 2 desired", Token);
            next.Revision.ShouldBe(2);
        }
        var audit = await AuditAsync(Hub, Token);
        audit.ShouldContain(a => a.Action == "deployment.create" && a.Actor == "admin");
        audit.Count(a => a.Action == "deployment.wave" && a.Actor == "hub" && a.Target == $"deployment/{id}").ShouldBe(3);
        audit.ShouldContain(a => a.Action == "deployment.complete" && a.Target == $"deployment/{id}");
    }

    [Fact]
    public async Task Enroll_AfterDeploymentCompleted_MatchingDeviceJoinsItAndOthersDoNot()
    {
        var id = await DeployAsync(Admin, """{"model":"classifier","version":"1","selector":{"site":"lobby"}}""", Token);
        foreach (var device in Devices[..3])
        {
            await device.WaitForDesiredAsync(s => s.Models.Any(m => m.Version == "1"), "classifier 1 desired", Token);
            await device.ReportAsync("classifier", "1", "active", Token);
        }
        await WaitForStateAsync(Admin, id, "completed", Token);

        await using var late = await EnrollAndConnectAsync("cam-late", """{"site":"lobby","kind":"camera"}""");
        await using var elsewhere = await EnrollAndConnectAsync("cam-dock", """{"site":"dock"}""");

        var desired = await late.WaitForDesiredAsync(s => s.Models.Any(m => m.Name == "classifier" && m.Version == "1"), "the late lobby device gets classifier 1", Token);
        desired.Models.Single().Sha256.ShouldNotBeNullOrEmpty();
        await late.ReportAsync("classifier", "1", "active", Token);
        await Eventually.UntilAsync(async () => (await DeploymentAsync(Admin, id, Token)).GetProperty("targets").EnumerateArray()
            .Any(t => t.GetProperty("deviceId").GetString() == "cam-late" && t.GetProperty("state").GetString() == "active"), () => "cam-late active in the deployment", Token);
        (await DeploymentAsync(Admin, id, Token)).GetProperty("state").GetString().ShouldBe("completed");
        elsewhere.DesiredModel("classifier").ShouldBeNull("the dock device does not match the selector");
        (await AuditAsync(Hub, Token)).ShouldContain(a => a.Action == "deployment.join" && a.Target == $"deployment/{id}" && a.Detail!.Contains("cam-late") && !a.Detail.Contains("cam-dock"));
    }

    [Fact]
    public async Task Enroll_DuringWaves_JoinsTheCurrentWaveAndItsGate()
    {
        var id = await DeployAsync(Admin, """{"model":"classifier","version":"1","selector":{"site":"lobby"},"waves":[10,100],"healthTimeout":"1m"}""", Token);
        await Dev(1).WaitForDesiredAsync(s => s.Models.Any(m => m.Version == "1"), "wave 1 reaches dev-1", Token);

        await using var late = await EnrollAndConnectAsync("cam-late", """{"site":"lobby"}""");

        await late.WaitForDesiredAsync(s => s.Models.Any(m => m.Version == "1"), "the late device joins wave 1", Token);
        await Dev(1).ReportAsync("classifier", "1", "active", Token);
        await Eventually.UntilAsync(async () => (await DeploymentAsync(Admin, id, Token)).GetProperty("targets").EnumerateArray()
            .Any(t => t.GetProperty("deviceId").GetString() == "dev-1" && t.GetProperty("state").GetString() == "active"), () => "dev-1 active in the deployment", Token);
        var view = await DeploymentAsync(Admin, id, Token);
        view.GetProperty("currentWave").GetInt32().ShouldBe(0, "wave 1 waits for the late device too");
        Dev(2).Latest.ShouldBeNull();
        await late.ReportAsync("classifier", "1", "active", Token);
        await Dev(2).WaitForDesiredAsync(s => s.Models.Any(m => m.Version == "1"), "wave 2 once both wave-1 devices are active", Token);
    }

    /// <summary>Enrolls a device through the hub's gRPC with a token carrying <paramref name="tags"/>, and connects it with the key it got.</summary>
    private async Task<SimulatedDevice> EnrollAndConnectAsync(string deviceId, string tags)
    {
        var (_, token) = await NewTokenAsync(Hub, Token, tags: tags);
        var enrolled = await EnrollAsync(Hub, token, Token, requestedId: deviceId);
        return await SimulatedDevice.ConnectAsync(Hub, enrolled.DeviceId, enrolled.DeviceKey, Token);
    }

    [Fact]
    public async Task Deploy_DeviceReportsFailed_WaveHaltsAndMovedDevicesGetPreviousVersionBack()
    {
        var v1 = await DeployAsync(Admin, """{"model":"classifier","version":"1","selector":{"site":"lobby"}}""", Token);
        await ReportAllActiveAsync("1");
        await WaitForStateAsync(Admin, v1, "completed", Token);

        var v2 = await DeployAsync(Admin, """{"model":"classifier","version":"2","selector":{"site":"lobby"},"waves":[10,50,100]}""", Token);
        await Dev(1).WaitForDesiredAsync(s => s.Models.Any(m => m.Version == "2"), "classifier 2 on dev-1", Token);
        await Dev(1).ReportAsync("classifier", "2", "active", Token);
        await Dev(2).WaitForDesiredAsync(s => s.Models.Any(m => m.Version == "2"), "classifier 2 on dev-2", Token);
        await Dev(2).ReportAsync("classifier", "2", "failed", Token, "smoke test failed: output is NaN");

        var halted = await WaitForStateAsync(Admin, v2, "rolled_back", Token);
        var message = halted.GetProperty("message").GetString()!;
        message.ShouldContain("halted: wave 2 of 3 (50%) failed its health gate");
        message.ShouldContain("dev-2 failed (smoke test failed: output is NaN)");
        halted.GetProperty("waveProgress").EnumerateArray().Select(w => w.GetProperty("state").GetString()).ShouldBe(["passed", "failed", "cancelled"]);
        foreach (var n in new[] { 1, 2 })
        {
            var back = await Dev(n).WaitForDesiredAsync(s => s.Models.Single().Version == "1", "back on classifier 1", Token);
            back.Revision.ShouldBe(3);
        }
        Dev(3).Latest!.Revision.ShouldBe(1, "dev-3's wave never came");
        halted.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("state").GetString()).ShouldBe(["rolled_back", "rolled_back", "cancelled"]);
        var audit = await AuditAsync(Hub, Token);
        audit.ShouldContain(a => a.Action == "deployment.halt" && a.Actor == "hub" && a.Target == $"deployment/{v2}");
        audit.ShouldContain(a => a.Action == "deployment.rollback" && a.Actor == "hub" && a.Target == $"deployment/{v2}");
    }

    [Fact]
    public async Task Deploy_WaveTimesOut_HaltsNamingLateDevicesAndRemovesTheModel()
    {
        var id = await DeployAsync(Admin, """{"model":"classifier","version":"1","selector":{"site":"lobby"},"healthTimeout":"1s"}""", Token);
        await Dev(1).WaitForDesiredAsync(s => s.Models.Count == 1, "classifier desired", Token);
        await Dev(1).ReportAsync("classifier", "1", "active", Token);
        await Dev(2).ReportAsync("classifier", "1", "downloading", Token);

        var halted = await WaitForStateAsync(Admin, id, "rolled_back", Token);

        var message = halted.GetProperty("message").GetString()!;
        message.ShouldContain("timed out after 00:00:01");
        message.ShouldContain("dev-2 updating (downloading)");
        message.ShouldContain("dev-3 updating");
        foreach (var device in Devices[..3])
        {
            // No earlier version to go back to: the model leaves the desired state.
            var state = await device.WaitForDesiredAsync(s => s.Models.Count == 0, "model removed", Token);
            state.Revision.ShouldBe(2);
        }
    }

    [Fact]
    public async Task Deploy_ErrorRateAboveMaxInTelemetry_HaltsAtTimeoutSayingSo()
    {
        var id = await DeployAsync(Admin, """{"model":"classifier","version":"1","selector":{"site":"lobby"},"healthTimeout":"2s","maxErrorRate":0.1}""", Token);
        foreach (var device in Devices[..3])
        {
            await device.WaitForDesiredAsync(s => s.Models.Count == 1, "classifier desired", Token);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var telemetry = new Telemetry { WindowStartUnixMs = now - 1000, WindowEndUnixMs = now };
            telemetry.Models.Add(new ModelTelemetry { Model = "classifier", Version = "1", Requests = 50, Errors = device.Id == "dev-2" ? 30 : 0 });
            await device.SendAsync(SyncTopics.Telemetry, telemetry, Token);
            await device.ReportAsync("classifier", "1", "active", Token);
        }

        var halted = await WaitForStateAsync(Admin, id, "rolled_back", Token);

        // 30 failed of 150 requests across the wave: 20%, above the 10% allowed.
        halted.GetProperty("message").GetString()!.ShouldContain("error rate 20.0% (30 of 150 requests) is above 10.0%");
    }

    [Fact]
    public async Task PauseResume_PausedDeployment_DoesNotAdvanceUntilResumed()
    {
        var id = await DeployAsync(Admin, """{"model":"classifier","version":"1","selector":{"site":"lobby"},"waves":[10,50,100]}""", Token);
        await Dev(1).WaitForDesiredAsync(s => s.Models.Count == 1, "wave 1", Token);

        using var paused = await PostJsonAsync(Admin, $"/api/deployments/{id}/pause", null, Token);
        paused.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var again = await PostJsonAsync(Admin, $"/api/deployments/{id}/pause", null, Token);
        var (status, detail) = await ProblemAsync(again, Token);
        status.ShouldBe(HttpStatusCode.Conflict);
        detail.ShouldContain("only a running deployment can be paused");

        await Dev(1).ReportAsync("classifier", "1", "active", Token);
        // The report is taken in while paused (same tick that would otherwise advance): the wave does not move on.
        await Eventually.UntilAsync(async () => (await DeploymentAsync(Admin, id, Token)).GetProperty("targets")[0].GetProperty("state").GetString() == "active",
            "dev-1's report taken in", Token);
        var stillPaused = await DeploymentAsync(Admin, id, Token);
        stillPaused.GetProperty("state").GetString().ShouldBe("paused");
        stillPaused.GetProperty("waveProgress")[0].GetProperty("state").GetString().ShouldBe("paused");
        stillPaused.GetProperty("targets")[1].GetProperty("state").GetString().ShouldBe("pending");
        Dev(2).Latest.ShouldBeNull();

        using var resumed = await PostJsonAsync(Admin, $"/api/deployments/{id}/resume", null, Token);
        resumed.StatusCode.ShouldBe(HttpStatusCode.OK);
        await Dev(2).WaitForDesiredAsync(s => s.Models.Count == 1, "wave 2 after resume", Token);
        (await AuditAsync(Hub, Token)).Select(a => a.Action).ShouldContain("deployment.pause");
    }

    [Fact]
    public async Task OperatorRollback_CompletedDeployment_DevicesBackOnPreviousVersionAndDeleteRules()
    {
        var v1 = await DeployAsync(Admin, """{"model":"classifier","version":"1","selector":{"site":"lobby"}}""", Token);
        await ReportAllActiveAsync("1");
        await WaitForStateAsync(Admin, v1, "completed", Token);
        var v2 = await DeployAsync(Admin, """{"model":"classifier","version":"2","selector":{"site":"lobby"}}""", Token);
        await ReportAllActiveAsync("2");
        await WaitForStateAsync(Admin, v2, "completed", Token);

        using var inUse = await Admin.DeleteAsync(new Uri("/api/models/classifier/versions/2", UriKind.Relative), Token);
        var (status, detail) = await ProblemAsync(inUse, Token);
        status.ShouldBe(HttpStatusCode.Conflict);
        detail.ShouldContain("the desired state of dev-1, dev-2, dev-3 names it");

        using var rollback = await PostJsonAsync(Admin, $"/api/deployments/{v2}/rollback", null, Token);
        rollback.StatusCode.ShouldBe(HttpStatusCode.OK);
        foreach (var device in Devices[..3])
        {
            var back = await device.WaitForDesiredAsync(s => s.Models.Single().Version == "1", "back on 1", Token);
            back.Revision.ShouldBe(3);
        }
        var rolledBack = await DeploymentAsync(Admin, v2, Token);
        rolledBack.GetProperty("state").GetString().ShouldBe("rolled_back");
        rolledBack.GetProperty("message").GetString()!.ShouldStartWith("rolled back by admin");
        using var twice = await PostJsonAsync(Admin, $"/api/deployments/{v2}/rollback", null, Token);
        (await ProblemAsync(twice, Token)).Status.ShouldBe(HttpStatusCode.Conflict);

        using var deleteUnused = await Admin.DeleteAsync(new Uri("/api/models/classifier/versions/2", UriKind.Relative), Token);
        deleteUnused.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var deleteDeployed = await Admin.DeleteAsync(new Uri("/api/models/classifier/versions/1", UriKind.Relative), Token);
        (await ProblemAsync(deleteDeployed, Token)).Status.ShouldBe(HttpStatusCode.Conflict);
        (await GetJsonAsync(Admin, "/api/models", Token)).EnumerateArray().Single().GetProperty("deployed").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task Deploy_NewerDeploymentOfSameModel_SupersedesTheOlderForSharedDevices()
    {
        var older = await DeployAsync(Admin, """{"model":"classifier","version":"1","selector":{"site":"lobby"},"waves":[10,50,100]}""", Token);
        await Dev(1).WaitForDesiredAsync(s => s.Models.Count == 1, "wave 1 of the older deployment", Token);

        var newer = await DeployAsync(Admin, """{"model":"classifier","version":"2","selector":{"kind":"camera"}}""", Token);

        foreach (var device in Devices[..3])
        {
            await device.WaitForDesiredAsync(s => s.Models.Single().Version == "2", "the newer version", Token);
        }
        var superseded = await WaitForStateAsync(Admin, older, "superseded", Token);
        superseded.GetProperty("targets").EnumerateArray().ShouldAllBe(t => t.GetProperty("state").GetString() == "superseded");
        await ReportAllActiveAsync("2");
        await WaitForStateAsync(Admin, newer, "completed", Token);
    }

    [Fact]
    public async Task Deploy_BadRequests_PreciseProblems()
    {
        using var unknown = await PostJsonAsync(Admin, "/api/deployments", """{"model":"classifier","version":"9"}""", Token);
        using var nobody = await PostJsonAsync(Admin, "/api/deployments", """{"model":"classifier","version":"1","selector":{"site":"moon"}}""", Token);
        using var typo = await PostJsonAsync(Admin, "/api/deployments", """{"model":"classifier","version":"1","wave":[10,100]}""", Token);
        using var badWaves = await PostJsonAsync(Admin, "/api/deployments", """{"model":"classifier","version":"1","waves":[50,10,100]}""", Token);
        using var missing = await Admin.GetAsync(new Uri("/api/deployments/42", UriKind.Relative), Token);

        (await ProblemAsync(unknown, Token)).ShouldBe((HttpStatusCode.NotFound, "the registry has no model 'classifier' version '9'"));
        var (status, detail) = await ProblemAsync(nobody, Token);
        status.ShouldBe(HttpStatusCode.Conflict);
        detail.ShouldContain("""selector {"site":"moon"} matches none of the 4 devices""");
        (await ProblemAsync(typo, Token)).Detail.ShouldContain("wave");
        (await ProblemAsync(badWaves, Token)).Detail.ShouldStartWith("'waves' must strictly increase");
        (await ProblemAsync(missing, Token)).Status.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task HubRestart_DesiredStatesRepublishedRetained()
    {
        await DeployAsync(Admin, """{"model":"classifier","version":"1","selector":{"site":"lobby"}}""", Token);
        await Dev(3).WaitForDesiredAsync(s => s.Models.Count == 1, "deployed", Token);
        foreach (var device in Devices)
        {
            await device.DisposeAsync();
        }
        Devices = [];

        await Hub.StopAsync();
        await Hub.StartAsync();
        Devices = await ConnectAsync(Hub, ["dev-3"], Token);

        // The restarted embedded broker's retained messages come from the store, not from memory.
        var state = await Devices[0].WaitForDesiredAsync(s => s.Models.Count == 1, "retained desired state after restart", Token);
        state.Revision.ShouldBe(1);
        state.Models.Single().Version.ShouldBe("1");
    }

    [Fact]
    public async Task DeviceConfig_Put_PublishedWithNextRevisionAndKeysChecked()
    {
        using var put = await Admin.PutAsync(new Uri("/api/devices/dev-1/config", UriKind.Relative),
            new StringContent("""{"Telemetry:SampleRate":0.5,"Routing:Models:classifier:ConfidenceThreshold":"0.8","Telemetry:InferenceRecords":true}""",
                System.Text.Encoding.UTF8, "application/json"), Token);
        put.StatusCode.ShouldBe(HttpStatusCode.OK, await put.Content.ReadAsStringAsync(Token));

        var state = await Dev(1).WaitForDesiredAsync(s => s.Config.Count == 3, "desired config", Token);
        state.Revision.ShouldBe(1);
        state.Config["Telemetry:SampleRate"].ShouldBe("0.5");
        state.Config["Telemetry:InferenceRecords"].ShouldBe("true");
        var desired = await GetJsonAsync(Admin, "/api/devices/dev-1/desired", Token);
        desired.GetProperty("revision").GetInt64().ShouldBe(1);
        desired.GetProperty("config").GetProperty("Routing:Models:classifier:ConfidenceThreshold").GetString().ShouldBe("0.8");

        using var badKey = await Admin.PutAsync(new Uri("/api/devices/dev-1/config", UriKind.Relative),
            new StringContent("""{"Telemetry::SampleRate":"1"}""", System.Text.Encoding.UTF8, "application/json"), Token);
        (await ProblemAsync(badKey, Token)).Detail.ShouldContain("empty segment");
        using var unknown = await Admin.PutAsync(new Uri("/api/devices/nobody/config", UriKind.Relative),
            new StringContent("{}", System.Text.Encoding.UTF8, "application/json"), Token);
        (await ProblemAsync(unknown, Token)).Status.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ReportedState_Sent_ProjectedOntoDeviceRow()
    {
        var reported = new ReportedState { DesiredRevision = 4, AgentVersion = "9.9.9" };
        reported.Models.Add(new InstalledModel { Name = "classifier", Version = "1", State = "active", ExecutionProvider = "CPU" });

        await Dev(2).SendAsync(SyncTopics.Reported, reported, Token);

        await Eventually.UntilAsync(async () => (await HubStore.DeviceAsync(Hub, "dev-2", Token))?.Reported is { } bytes
            && ReportedState.Parser.ParseFrom(bytes).Equals(reported), "the reported state on dev-2's row", Token);
        (await HubStore.DeviceAsync(Hub, "dev-2", Token))!.ReportedAtMs.ShouldNotBeNull();
    }

    [Fact]
    public async Task Deploy_DeviceRevokedMidRollout_LeavesTheWaveInsteadOfHoldingIt()
    {
        var id = await DeployAsync(Admin, """{"model":"classifier","version":"1","selector":{"site":"lobby"},"healthTimeout":"5m"}""", Token);
        await Dev(1).WaitForDesiredAsync(s => s.Models.Count == 1, "classifier desired", Token);
        await RevokeAsync("dev-3");

        await Dev(1).ReportAsync("classifier", "1", "active", Token);
        await Dev(2).WaitForDesiredAsync(s => s.Models.Count == 1, "classifier desired", Token);
        await Dev(2).ReportAsync("classifier", "1", "active", Token);

        var done = await WaitForStateAsync(Admin, id, "completed", Token);
        done.GetProperty("targets")[2].GetProperty("state").GetString().ShouldBe("cancelled");
        done.GetProperty("targets")[2].GetProperty("message").GetString().ShouldBe("the device was revoked");
    }

    private async Task RevokeAsync(string device)
    {
        await using var db = await Hub.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync(Token);
        var row = await db.Devices.SingleAsync(d => d.Id == device, Token);
        row.RevokedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await db.SaveChangesAsync(Token);
    }

    private async Task ReportAllActiveAsync(string version)
    {
        foreach (var device in Devices[..3])
        {
            await device.WaitForDesiredAsync(s => s.Models.Any(m => m.Name == "classifier" && m.Version == version), $"classifier {version} desired", Token);
            await device.ReportAsync("classifier", version, "active", Token);
        }
    }
}

using System.Collections.Concurrent;
using EdgeAi.Agent.SyncDown;
using EdgeAi.Common.Sync;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;
using Grpc.Core;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.IntegrationTests.SyncDown;

/// <summary>The agent's reconciler against a real Fleet gRPC server: download, resume, verify, swap, roll back, report.</summary>
public sealed class ReconcilerTests : FleetServerTest
{
    [Fact]
    public async Task Desired_NewModel_DownloadedVerifiedActivatedServedAndReported()
    {
        var v1 = FleetModels.Bias(1f);
        Server.Serve("m", "1", v1);
        await using var agent = await FleetAgent.StartAsync(Scratch.Sub("agent"), Server, Models);

        agent.Desire(FleetModels.State(5, Models.Desired("m", "1", v1)));

        await agent.WaitForAsync("m", "1", DeploymentStates.Active, 5, Token);
        (await agent.InferAsync("m", Token)).ShouldBe(("1", 1f));
        agent.Deployments().Where(d => d.Model == "m").Select(d => d.State)
            .ShouldBe([DeploymentStates.Downloading, DeploymentStates.Verifying, DeploymentStates.Loading, DeploymentStates.Active]);
        var reported = agent.Reported()[^1];
        reported.DesiredRevision.ShouldBe(5);
        reported.Models.ShouldHaveSingleItem().ShouldSatisfyAllConditions(
            m => m.Name.ShouldBe("m"), m => m.Version.ShouldBe("1"), m => m.State.ShouldBe("active"));
        reported.Config["Routing:DefaultPolicy"].ShouldBe("local-first");
        File.Exists(Path.Combine(agent.Agent.DataDirectory, "downloads", "m", "1.part")).ShouldBeFalse();
        new ModelStore(Path.Combine(agent.Agent.DataDirectory, "models"), TimeProvider.System).ReadActive("m").ShouldBe("1");
    }

    [Fact]
    public async Task Download_CutMidStream_ResumesFromItsOffsetAndActivates()
    {
        var big = FleetModels.Bias(3f, width: 16_384); // ~64 KB: several chunks
        Server.Serve("big", "1", big);
        var data = Scratch.Sub("agent");
        var part = Path.Combine(data, "downloads", "big", "1.part");
        Server.CutOnceAfter(2 * TestFleetServer.ChunkSize, () => File.Exists(part) && new FileInfo(part).Length >= 2 * TestFleetServer.ChunkSize);
        await using var agent = await FleetAgent.StartAsync(data, Server, Models);

        agent.Desire(FleetModels.State(1, Models.Desired("big", "1", big)));

        await agent.WaitForAsync("big", "1", DeploymentStates.Active, 1, Token);
        var requests = Server.RequestsFor("big", "1");
        requests.Count.ShouldBe(2);
        requests[0].Offset.ShouldBe(0);
        requests[1].Offset.ShouldBe(2 * TestFleetServer.ChunkSize);
        requests[1].Offset.ShouldBeLessThan(big.Length);
        var host = agent.Services.GetRequiredService<ModelHost>();
        host.Resolve("big", null).ShouldSatisfyAllConditions(i => i.Version.ShouldBe("1"), i => i.State.ShouldBe(ModelState.Ready));
    }

    [Theory]
    [InlineData("tampered", "sha256")]
    [InlineData("bad-signature", "signature does not verify")]
    [InlineData("unsigned", "not signed")]
    public async Task Artifact_TamperedOrBadlySigned_RefusedAndPreviousVersionKeepsServing(string problem, string reason)
    {
        var v1 = FleetModels.Bias(1f);
        var v2 = FleetModels.Bias(2f);
        Server.Serve("m", "1", v1);
        await using var agent = await FleetAgent.StartAsync(Scratch.Sub("agent"), Server, Models);
        agent.Desire(FleetModels.State(1, Models.Desired("m", "1", v1)));
        await agent.WaitForAsync("m", "1", DeploymentStates.Active, 1, Token);

        var desired = Models.Desired("m", "2", v2);
        switch (problem)
        {
            case "tampered":
                var bytes = (byte[])v2.Clone();
                bytes[^5] ^= 0x5A; // the stream claims the signed checksum, the bytes differ
                Server.Serve("m", "2", bytes, statedSha256: FleetModels.Sha256(v2));
                break;
            case "bad-signature":
                using (var other = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256))
                {
                    desired.Signature = ByteString.CopyFrom(EdgeAi.Common.Fleet.ModelSignature.Sign(other, "m", "2", desired.Sha256));
                }
                Server.Serve("m", "2", v2);
                break;
            default:
                desired.Signature = ByteString.Empty;
                Server.Serve("m", "2", v2);
                break;
        }
        agent.Desire(FleetModels.State(2, desired));

        var failed = await agent.WaitForAsync("m", "2", DeploymentStates.Failed, 2, Token);
        failed.Message.ShouldContain(reason);
        agent.Events().ShouldContain(e => e.Kind == "deployment_failed" && e.Attributes["version"] == "2");
        (await agent.InferAsync("m", Token)).ShouldBe(("1", 1f));
        File.Exists(Path.Combine(agent.Agent.DataDirectory, "downloads", "m", "2.part")).ShouldBeFalse();
        new ModelStore(Path.Combine(agent.Agent.DataDirectory, "models"), TimeProvider.System).List().Select(m => m.Version).ShouldBe(["1"]);
        agent.Deployments().ShouldNotContain(d => d.Version == "2" && d.State == DeploymentStates.Active);
    }

    [Fact]
    public async Task HotSwap_RepeatedUnderConcurrentLoad_NoRequestFails()
    {
        var v1 = FleetModels.Bias(1f);
        var v2 = FleetModels.Bias(2f);
        Server.Serve("m", "1", v1);
        Server.Serve("m", "2", v2);
        await using var agent = await FleetAgent.StartAsync(Scratch.Sub("agent"), Server, Models);
        agent.Desire(FleetModels.State(1, Models.Desired("m", "1", v1)));
        await agent.WaitForAsync("m", "1", DeploymentStates.Active, 1, Token);

        using var stop = new CancellationTokenSource();
        var failures = new ConcurrentQueue<string>();
        var served = new ConcurrentDictionary<string, int>();
        var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var (version, bias) = await agent.InferAsync("m", Token);
                    if (bias.ToString(System.Globalization.CultureInfo.InvariantCulture) != version)
                    {
                        failures.Enqueue($"version {version} answered {bias}");
                    }
                    served.AddOrUpdate(version, 1, (_, n) => n + 1);
                }
                catch (RpcException e)
                {
                    failures.Enqueue(e.Status.ToString());
                }
            }
        }, Token)).ToArray();

        // v1 → v2 → v1 (rollback, from kept files) → v2 → ...: every swap while requests are in flight.
        for (var revision = 2; revision <= 7; revision++)
        {
            var (version, bytes) = revision % 2 == 0 ? ("2", v2) : ("1", v1);
            var before = served.Values.Sum();
            agent.Desire(FleetModels.State(revision, Models.Desired("m", version, bytes)));
            await agent.WaitForAsync("m", version, DeploymentStates.Active, revision, Token);
            await Eventually.UntilAsync(() => Task.FromResult(served.Values.Sum() > before + 20), "requests after the swap", Token);
        }
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        failures.ShouldBeEmpty();
        served.Keys.Order().ShouldBe(["1", "2"]);
        Server.RequestsFor("m", "1").Count.ShouldBe(1);
        Server.RequestsFor("m", "2").Count.ShouldBe(1);
    }

    [Fact]
    public async Task Rollback_ToKeptPreviousVersion_NoDownloadReportsRolledBackAndPrunesOlder()
    {
        var bytes = new Dictionary<string, byte[]> { ["1"] = FleetModels.Bias(1f), ["2"] = FleetModels.Bias(2f), ["3"] = FleetModels.Bias(3f) };
        foreach (var (version, model) in bytes)
        {
            Server.Serve("m", version, model);
        }
        await using var agent = await FleetAgent.StartAsync(Scratch.Sub("agent"), Server, Models);
        var store = new ModelStore(Path.Combine(agent.Agent.DataDirectory, "models"), TimeProvider.System);
        var revision = 0;
        async Task Deploy(string version)
        {
            agent.Desire(FleetModels.State(++revision, Models.Desired("m", version, bytes[version])));
            await agent.WaitForAsync("m", version, DeploymentStates.Active, revision, Token);
        }

        await Deploy("1");
        await Deploy("2");
        store.List().Select(m => m.Version).ShouldBe(["1", "2"]);
        await Deploy("1");

        (await agent.InferAsync("m", Token)).ShouldBe(("1", 1f));
        Server.RequestsFor("m", "1").Count.ShouldBe(1);
        agent.Deployments().ShouldContain(d => d.DesiredRevision == 3 && d.Version == "2" && d.State == DeploymentStates.RolledBack);
        agent.Services.GetRequiredService<ModelHost>().VersionsOf("m").ShouldBe(["1"]);

        await Deploy("3");
        store.List().Select(m => m.Version).ShouldBe(["1", "3"]); // active and the one it replaced; 2 is gone

        agent.Desire(FleetModels.State(++revision));
        // Deactivation unloads first and prunes the files in the step after it: wait for both.
        await Eventually.UntilAsync(
            () => Task.FromResult(agent.Services.GetRequiredService<ModelHost>().VersionsOf("m").Count == 0 && store.List().Count == 1),
            "model unloaded and pruned when no longer desired", Token);
        store.List().Select(m => m.Version).ShouldBe(["3"]);
        store.ReadActive("m").ShouldBe("");
    }

    [Fact]
    public async Task SmokeTest_SlowerThanAllowed_FailsTheVersionAndNothingSwaps()
    {
        var v1 = FleetModels.Bias(1f);
        Server.Serve("m", "1", v1);
        await using var agent = await FleetAgent.StartAsync(Scratch.Sub("agent"), Server, Models,
            new Dictionary<string, string?> { ["Fleet:SmokeTestMaxLatency"] = "00:00:00.0000001" });

        agent.Desire(FleetModels.State(1, Models.Desired("m", "1", v1)));

        (await agent.WaitForAsync("m", "1", DeploymentStates.Failed, 1, Token)).Message.ShouldContain("Fleet:SmokeTestMaxLatency");
        agent.Services.GetRequiredService<ModelHost>().VersionsOf("m").ShouldBeEmpty();
        new ModelStore(Path.Combine(agent.Agent.DataDirectory, "models"), TimeProvider.System).List().ShouldBeEmpty();
    }

    [Fact]
    public async Task Download_ModelNotInRegistry_FailsWithTheHubsAnswer()
    {
        await using var agent = await FleetAgent.StartAsync(Scratch.Sub("agent"), Server, Models);

        agent.Desire(FleetModels.State(1, Models.Desired("ghost", "1", FleetModels.Bias(1f))));

        (await agent.WaitForAsync("ghost", "1", DeploymentStates.Failed, 1, Token)).Message.ShouldContain("NotFound");
    }
}

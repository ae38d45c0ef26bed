using System.CommandLine;
using System.Security.Cryptography;
using EdgeAi.Common.Onnx;
using EdgeAi.Hub.Cli;
using EdgeAi.IntegrationTests.Deployments;
using static EdgeAi.IntegrationTests.RolloutTestKit;

namespace EdgeAi.IntegrationTests.Cli;

/// <summary>The cloud-hub CLI's models and deployments commands, in process, against a real hub.</summary>
public sealed class RolloutCliTests() : SimulatedFleetTest(["dev-1", "dev-2"])
{
    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        foreach (var device in Devices)
        {
            await TagAsync(Hub, device.Id, """{"site":"lobby"}""", Token);
        }
    }

    [Fact]
    public async Task ModelsPush_File_RegisteredWithProgressAndSha()
    {
        var file = Path.Combine(Scratch.Sub("files"), "slow.onnx");
        var model = CloudModels.Slow(2);
        await File.WriteAllBytesAsync(file, model, Token);

        var push = await RunAsync("models", "push", file, "--name", "slow", "--version", "1");

        push.Code.ShouldBe(0, push.Error);
        push.Output.ShouldContain("registered slow 1");
        push.Output.ShouldContain($"sha256 {Convert.ToHexStringLower(SHA256.HashData(model))}");
        push.Output.ShouldContain("input  input FP32 [?,256]");
        // stderr is not a terminal here: plain progress lines, the last at 100%.
        push.Error.ShouldNotContain("\r");
        push.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last().ShouldStartWith("100%");

        var again = await RunAsync("models", "push", file, "--name", "slow", "--version", "1");
        again.Code.ShouldBe(1);
        again.Error.ShouldContain("already registered");

        var list = await RunAsync("models", "list");
        list.Output.ShouldContain("slow");
        var show = await RunAsync("models", "show", "slow", "1");
        show.Output.ShouldContain("signature ");
    }

    [Fact]
    public async Task Deployments_CreateShowPauseResumeRollback_EndToEnd()
    {
        var file = Path.Combine(Scratch.Sub("files"), "classifier.onnx");
        await File.WriteAllBytesAsync(file, SampleModels.Classifier(), Token);
        (await RunAsync("models", "push", file, "--name", "classifier", "--version", "1")).Code.ShouldBe(0);

        var create = await RunAsync("deployments", "create", "--model", "classifier", "--version", "1", "--selector", "site=lobby", "--waves", "10,50,100", "--health-timeout", "5m");

        create.Code.ShouldBe(0, create.Error);
        create.Output.ShouldContain("deployment 1: classifier 1 (local-first) to site=lobby: running");
        create.Output.ShouldContain("wave 1  10%: 1 devices, 0 active, 0 failed: in_progress");
        (await RunAsync("deployments", "pause", "1")).Output.ShouldContain(": paused");
        (await RunAsync("deployments", "resume", "1")).Output.ShouldContain(": running");
        var show = await RunAsync("deployments", "show", "1");
        show.Output.ShouldContain("dev-1");
        show.Output.ShouldContain("health timeout 00:05:00");
        (await RunAsync("deployments", "list")).Output.ShouldContain("classifier");
        (await RunAsync("deployments", "rollback", "1")).Output.ShouldContain(": rolled_back");
        var refused = await RunAsync("deployments", "resume", "1");
        refused.Code.ShouldBe(1);
        refused.Error.ShouldContain("only a paused deployment can be resumed");
        var badWaves = await RunAsync("deployments", "create", "--model", "classifier", "--version", "1", "--waves", "50,10");
        badWaves.Error.ShouldContain("'waves' must");
    }

    [Theory]
    [InlineData("5", "--health-timeout '5' has no unit; expected a whole number with a unit: 30s, 5m, 12h, 7d")]
    [InlineData("5 minutes", "--health-timeout '5 minutes' is not a duration")]
    public async Task DeploymentsCreate_HealthTimeoutWithoutUnit_RefusedNamingForms(string timeout, string message)
    {
        var create = await RunAsync("deployments", "create", "--model", "classifier", "--version", "1", "--health-timeout", timeout);

        create.Code.ShouldBe(1);
        create.Error.ShouldContain(message);
        (await RunAsync("deployments", "list")).Output.ShouldContain("no deployments");
    }

    private async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] connection = ["--hub", Hub.Uri.ToString(), "--admin-key", TestHub.AdminKey, "--ca-cert", Hub.CaPath];
        var code = await HubCli.Build().Parse([.. args, .. connection]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, Token);
        return (code, output.ToString(), error.ToString());
    }
}

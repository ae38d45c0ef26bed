using EdgeAi.Agent.Hosting;

namespace EdgeAi.Agent.Tests.Hosting;

public sealed class AgentOptionsTests
{
    [Fact]
    public void Validate_Defaults_Pass()
    {
        new AgentOptionsValidator().Validate(null, new AgentOptions()).Succeeded.ShouldBeTrue();
    }

    [Fact]
    public void Validate_SamePortForBoth_SaysWhy()
    {
        var result = new AgentOptionsValidator().Validate(null, new AgentOptions { HttpPort = 9000, GrpcPort = 9000 });

        result.Failed.ShouldBeTrue();
        result.FailureMessage!.ShouldContain("HttpPort and GrpcPort are both 9000");
    }

    [Fact]
    public void Validate_BadAddressPortAndInterval_AllReported()
    {
        var options = new AgentOptions { ListenAddress = "localhost:80", HttpPort = 70000, ModelRescanInterval = TimeSpan.Zero };

        var result = new AgentOptionsValidator().Validate(null, options);

        result.FailureMessage!.ShouldContain("ListenAddress 'localhost:80' is not an IP address");
        result.FailureMessage!.ShouldContain("HttpPort");
        result.FailureMessage!.ShouldContain("ModelRescanInterval");
    }

    [Fact]
    public async Task Build_InvalidConfiguration_FailsBeforeServingNamingTheSetting()
    {
        var error = await Should.ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>(async () =>
        {
            await using var app = AgentHost.Build(new Dictionary<string, string?>
            {
                ["Agent:DataDirectory"] = Path.GetTempPath(),
                ["Agent:HttpPort"] = "0",
                ["Agent:GrpcPort"] = "0",
                ["ModelHost:ExecutionProviders:0"] = "TPU",
            });
            await app.StartAsync(TestContext.Current.CancellationToken);
        });

        error.Message.ShouldContain("Unknown execution provider 'TPU'");
    }
}

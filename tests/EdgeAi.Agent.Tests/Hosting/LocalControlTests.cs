using System.Net;
using EdgeAi.Agent.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Tests.Hosting;

/// <summary>Pin writes and rule fires over REST: taken from this machine, refused from the network unless allowed.</summary>
public sealed class LocalControlTests
{
    [Theory]
    [InlineData("127.0.0.1", false, true)]
    [InlineData("127.8.9.10", false, true)]
    [InlineData("::1", false, true)]
    [InlineData("::ffff:127.0.0.1", false, true)]
    [InlineData("10.0.0.5", false, false)]
    [InlineData("192.168.1.20", false, false)]
    [InlineData("::ffff:10.0.0.5", false, false)]
    [InlineData("fe80::1", false, false)]
    [InlineData("10.0.0.5", true, true)]
    public void IsLocalControl_CallerAddress_AllowedOnlyFromLoopbackUnlessRemoteAllowed(string address, bool allowRemote, bool expected) =>
        LocalApi.IsLocalControl(IPAddress.Parse(address), allowRemote).ShouldBe(expected);

    [Fact]
    public void IsLocalControl_NoAddress_IsAnInProcessCallAndAllowed() =>
        LocalApi.IsLocalControl(null, allowRemote: false).ShouldBeTrue();

    [Fact]
    public void RequireLocalControl_CallerOnTheNetwork_Is403NamingTheCallerAndTheSetting()
    {
        var context = Context("10.0.0.5", allowRemote: false);

        var refusal = Should.Throw<LocalApiException>(() => LocalApi.RequireLocalControl(context, "writing a pin"));

        refusal.Status.ShouldBe(StatusCodes.Status403Forbidden);
        refusal.Message.ShouldContain("writing a pin is taken only from this machine");
        refusal.Message.ShouldContain("10.0.0.5");
        refusal.Message.ShouldContain("Agent:AllowRemoteControl=true");
    }

    [Fact]
    public void RequireLocalControl_RemoteAllowed_TakesTheCall() =>
        Should.NotThrow(() => LocalApi.RequireLocalControl(Context("10.0.0.5", allowRemote: true), "firing a rule"));

    private static DefaultHttpContext Context(string remote, bool allowRemote)
    {
        var services = new ServiceCollection().AddSingleton(Options.Create(new AgentOptions { AllowRemoteControl = allowRemote })).BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        return context;
    }
}

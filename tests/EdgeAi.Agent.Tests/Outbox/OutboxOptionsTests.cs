using EdgeAi.Agent.Hosting;
using EdgeAi.Agent.Outbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Tests.Outbox;

public sealed class OutboxOptionsTests
{
    [Fact]
    public async Task Binding_OneStreamSetting_KeepsThatStreamsOtherDefaults()
    {
        await using var app = AgentHost.Build(new Dictionary<string, string?>
        {
            ["Outbox:Streams:deployments:MaxRecords"] = "5",
            ["Outbox:Streams:telemetry:Priority"] = "70",
        });

        var options = app.Services.GetRequiredService<IOptions<OutboxOptions>>().Value;

        options.For("deployments").MaxRecords.ShouldBe(5);
        options.For("deployments").OnFull.ShouldBe(OnFull.Keep);
        options.For("telemetry").Priority.ShouldBe(70);
        options.For("telemetry").TimeToLive.ShouldBe(TimeSpan.FromDays(7));
        options.For("telemetry").OnFull.ShouldBe(OnFull.DropOldest);
    }

    [Fact]
    public void Validate_UnknownStreamOrBadLimit_NamesTheSetting()
    {
        var options = new OutboxOptions();
        options.Streams["telemtry"] = new OutboxStreamOptions();
        options.Streams["events"].MaxRecords = 0;

        var result = new OutboxOptionsValidator().Validate(null, options);

        result.Failed.ShouldBeTrue();
        result.FailureMessage!.ShouldContain("Outbox:Streams:telemtry is not a stream");
        result.FailureMessage!.ShouldContain("Outbox:Streams:events:MaxRecords 0");
    }

    [Fact]
    public void Validate_Defaults_Pass() =>
        new OutboxOptionsValidator().Validate(null, new OutboxOptions()).Succeeded.ShouldBeTrue();
}

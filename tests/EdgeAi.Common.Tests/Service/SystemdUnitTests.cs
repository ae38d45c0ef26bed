using EdgeAi.Common.Service;

namespace EdgeAi.Common.Tests.Service;

public sealed class SystemdUnitTests
{
    private static string[] Lines(ServiceDefinition service) => SystemdUnit.Render(service).Split('\n');

    [Fact]
    public void Render_AgentService_NotifyWatchdogRestartAndHardening()
    {
        var lines = Lines(ServiceSamples.Linux());

        lines.ShouldContain("[Service]");
        lines.ShouldContain("Type=notify");
        lines.ShouldContain("NotifyAccess=main");
        lines.ShouldContain("ExecStart=/usr/local/bin/edge-agent run --data-dir /var/lib/edgeai");
        lines.ShouldContain("User=edgeai");
        lines.ShouldContain("Group=edgeai");
        lines.ShouldContain("SupplementaryGroups=gpio");
        lines.ShouldContain("WorkingDirectory=/var/lib/edgeai");
        lines.ShouldContain("Environment=HOME=/var/lib/edgeai");
        lines.ShouldContain("Restart=on-failure");
        lines.ShouldContain("RestartSec=5s");
        lines.ShouldContain("RestartPreventExitStatus=78");
        lines.ShouldContain("WatchdogSec=30s");
        lines.ShouldContain("LimitNOFILE=65536");
        lines.ShouldContain("NoNewPrivileges=true");
        lines.ShouldContain("ProtectSystem=strict");
        lines.ShouldContain("ReadWritePaths=/var/lib/edgeai");
        lines.ShouldContain("ProtectHome=true");
        lines.ShouldContain("PrivateTmp=true");
        lines.ShouldContain("WantedBy=multi-user.target");
        lines.ShouldContain("Description=EdgeAi edge agent");
    }

    [Fact]
    public void Render_NoSupplementaryGroups_NoSuchLine()
    {
        var service = ServiceSamples.Linux() with { SupplementaryGroups = [] };

        Lines(service).ShouldNotContain(l => l.StartsWith("SupplementaryGroups=", StringComparison.Ordinal));
    }

    [Fact]
    public void Render_OtherTimings_InSeconds()
    {
        var service = ServiceSamples.Linux() with { Watchdog = TimeSpan.FromMinutes(2), RestartDelay = TimeSpan.FromMilliseconds(1500) };

        var lines = Lines(service);

        lines.ShouldContain("WatchdogSec=120s");
        lines.ShouldContain("RestartSec=2s");
    }

    [Fact]
    public void Render_ExtraRunArguments_QuotedAndEscaped()
    {
        var service = ServiceSamples.Linux("--broker", "mqtts://hub:8883", "--device-id", "shelf 4", "--listen", "$HOST", "--x", "100%");

        Lines(service).ShouldContain("ExecStart=/usr/local/bin/edge-agent run --data-dir /var/lib/edgeai --broker mqtts://hub:8883 --device-id \"shelf 4\" --listen $$HOST --x 100%%");
    }

    [Fact]
    public void Render_DataDirectoryWithSpace_QuotedWhereItIsAList()
    {
        var service = ServiceSamples.Linux() with { DataDirectory = "/srv/edge ai" };

        var lines = Lines(service);

        lines.ShouldContain("WorkingDirectory=/srv/edge ai");
        lines.ShouldContain("ReadWritePaths=\"/srv/edge ai\"");
        lines.ShouldContain("Environment=\"HOME=/srv/edge ai\"");
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a b", "\"a b\"")]
    [InlineData("say \"hi\"", "\"say \\\"hi\\\"\"")]
    [InlineData(@"back\slash", "\"back\\\\slash\"")]
    [InlineData("", "\"\"")]
    [InlineData(";", "\";\"")]
    public void Argument_QuotesWhatSystemdWouldSplit(string value, string expected) =>
        SystemdUnit.Argument(value).ShouldBe(expected);
}

using System.CommandLine;
using System.Diagnostics;
using EdgeAi.Agent.Cli;

namespace EdgeAi.Agent.Tests.Service;

/// <summary><c>edge-agent service …</c> through the real command line, installing into a temporary root (nothing outside it changes).</summary>
public sealed class ServiceInstallTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("edgeai-service-root-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string UnitPath => Path.Combine(_root, "etc/systemd/system/edge-agent.service");

    /// <summary>A real executable for ExecStart (systemd-analyze verify checks it exists): the agent built beside the tests.</summary>
    private static string Executable =>
        Path.Combine(AppContext.BaseDirectory, "edge-agent") is var agent && File.Exists(agent) ? agent : Environment.ProcessPath!;

    private static async Task<(int Exit, string Output, string Error)> AgentAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await AgentCli.Build().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Install_IntoRoot_WritesUnitThatSystemdAnalyzeVerifies()
    {
        var (exit, output, error) = await AgentAsync("service", "install", "--root", _root, "--exec", Executable, "--", "--broker", "mqtts://hub:8883");

        exit.ShouldBe(0, error);
        var lines = await File.ReadAllLinesAsync(UnitPath, TestContext.Current.CancellationToken);
        lines.ShouldContain("Type=notify");
        lines.ShouldContain("NotifyAccess=main");
        lines.ShouldContain($"ExecStart={Executable} run --data-dir /var/lib/edgeai --broker mqtts://hub:8883");
        lines.ShouldContain("User=edgeai");
        lines.ShouldContain("Group=edgeai");
        lines.ShouldContain("WorkingDirectory=/var/lib/edgeai");
        lines.ShouldContain("ReadWritePaths=/var/lib/edgeai");
        lines.ShouldContain("Restart=on-failure");
        lines.ShouldContain("RestartPreventExitStatus=78");
        lines.ShouldContain("WatchdogSec=30s");
        lines.ShouldNotContain(l => l.StartsWith("SupplementaryGroups=", StringComparison.Ordinal), "no gpio group in this root");
        Directory.Exists(Path.Combine(_root, "var/lib/edgeai")).ShouldBeTrue();
        output.ShouldContain("would run: useradd --system --user-group --no-create-home --home-dir /var/lib/edgeai --shell /usr/sbin/nologin edgeai\n");
        output.ShouldContain("would run: chown -R edgeai:edgeai /var/lib/edgeai\n");
        output.ShouldContain("would run: systemctl daemon-reload\n");
        output.ShouldContain("would run: systemctl enable --now edge-agent.service\n");
        await VerifyAsync(UnitPath);
    }

    [Fact]
    public async Task Install_RootWithGpioGroupAndUser_SupplementaryGroupNoUseradd()
    {
        Directory.CreateDirectory(Path.Combine(_root, "etc"));
        await File.WriteAllTextAsync(Path.Combine(_root, "etc/group"), "root:x:0:\ngpio:x:997:\nsensors:x:1001:\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(_root, "etc/passwd"), "root:x:0:0::/root:/bin/sh\nshelf:x:998:998::/srv/shelf:/usr/sbin/nologin\n", TestContext.Current.CancellationToken);

        var (exit, output, error) = await AgentAsync("service", "install", "--root", _root, "--exec", Executable, "--user", "shelf", "--data-dir", "/srv/shelf", "--no-start");

        exit.ShouldBe(0, error);
        var lines = await File.ReadAllLinesAsync(UnitPath, TestContext.Current.CancellationToken);
        lines.ShouldContain("SupplementaryGroups=gpio");
        lines.ShouldContain("User=shelf");
        lines.ShouldContain($"ExecStart={Executable} run --data-dir /srv/shelf");
        output.ShouldNotContain("useradd");
        output.ShouldContain("would run: systemctl enable edge-agent.service\n");
        await VerifyAsync(UnitPath);
    }

    [Fact]
    public async Task StatusAndUninstall_IntoRoot_ReportThenRemoveKeepingDataUnlessPurge()
    {
        (await AgentAsync("service", "status", "--root", _root)).Exit.ShouldBe(4, "not installed");
        (await AgentAsync("service", "install", "--root", _root, "--exec", Executable)).Exit.ShouldBe(0);

        var status = await AgentAsync("service", "status", "--root", _root);
        status.Exit.ShouldBe(3, status.Output);
        status.Output.ShouldContain($"unit: {UnitPath}");

        var kept = await AgentAsync("service", "uninstall", "--root", _root);
        kept.Exit.ShouldBe(0, kept.Error);
        kept.Output.ShouldContain("would run: systemctl disable --now edge-agent.service\n");
        File.Exists(UnitPath).ShouldBeFalse();
        Directory.Exists(Path.Combine(_root, "var/lib/edgeai")).ShouldBeTrue();

        (await AgentAsync("service", "install", "--root", _root, "--exec", Executable)).Exit.ShouldBe(0);
        (await AgentAsync("service", "uninstall", "--root", _root, "--purge")).Exit.ShouldBe(0);
        Directory.Exists(Path.Combine(_root, "var/lib/edgeai")).ShouldBeFalse();
    }

    [Theory]
    [InlineData("--user", "Edge Agent", "--user 'Edge Agent' is not a valid account name")]
    [InlineData("--exec", "bin/edge-agent", "--exec 'bin/edge-agent' is not an absolute path")]
    [InlineData("--data-dir", "/", "--data-dir must not be /")]
    public async Task Install_BadOption_ExitTwoNamingIt(string option, string value, string message)
    {
        string[] args = option == "--exec"
            ? ["service", "install", "--root", _root, option, value]
            : ["service", "install", "--root", _root, "--exec", Executable, option, value];

        var (exit, _, error) = await AgentAsync(args);

        exit.ShouldBe(2);
        error.ShouldStartWith("edge-agent service install: ");
        error.ShouldContain(message);
        File.Exists(UnitPath).ShouldBeFalse();
    }

    /// <summary><c>systemd-analyze verify</c> exits 0 and warns about nothing (an unknown key is only a warning).</summary>
    internal static async Task VerifyAsync(string unit)
    {
        if (!File.Exists("/usr/bin/systemd-analyze"))
        {
            Assert.Skip("systemd-analyze is not installed (apt-get install systemd)");
        }
        var start = new ProcessStartInfo("/usr/bin/systemd-analyze", ["verify", unit]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        var said = (await output + await error).Trim();
        process.ExitCode.ShouldBe(0, said);
        said.ShouldBeEmpty();
    }
}

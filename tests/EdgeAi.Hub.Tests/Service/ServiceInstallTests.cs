using System.CommandLine;
using System.Diagnostics;
using EdgeAi.Hub.Cli;

namespace EdgeAi.Hub.Tests.Service;

/// <summary><c>cloud-hub service install</c> through the real command line, into a temporary root.</summary>
public sealed class ServiceInstallTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("edgeai-hub-service-root-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static string Executable =>
        Path.Combine(AppContext.BaseDirectory, "cloud-hub") is var hub && File.Exists(hub) ? hub : Environment.ProcessPath!;

    [Fact]
    public async Task Install_IntoRoot_HubUnitOwnUserNoGpioVerifies()
    {
        Directory.CreateDirectory(Path.Combine(_root, "etc"));
        await File.WriteAllTextAsync(Path.Combine(_root, "etc/group"), "gpio:x:997:\n", TestContext.Current.CancellationToken);
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await HubCli.Build().Parse(["service", "install", "--root", _root, "--exec", Executable, "--", "--external-broker", "mqtt://broker:1883"])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);

        exit.ShouldBe(0, error.ToString());
        var unit = Path.Combine(_root, "etc/systemd/system/cloud-hub.service");
        var lines = await File.ReadAllLinesAsync(unit, TestContext.Current.CancellationToken);
        lines.ShouldContain($"ExecStart={Executable} run --data-dir /var/lib/edgeai-hub --external-broker mqtt://broker:1883");
        lines.ShouldContain("User=edgeai-hub");
        lines.ShouldContain("Description=EdgeAi cloud hub");
        lines.ShouldContain("Type=notify");
        lines.ShouldContain("RestartPreventExitStatus=78");
        lines.ShouldNotContain(l => l.StartsWith("SupplementaryGroups=", StringComparison.Ordinal), "the hub has no GPIO");
        output.ToString().ShouldContain("would run: systemctl enable --now cloud-hub.service\n");
        Directory.Exists(Path.Combine(_root, "var/lib/edgeai-hub")).ShouldBeTrue();

        var start = new ProcessStartInfo("/usr/bin/systemd-analyze", ["verify", unit]) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (!File.Exists(start.FileName))
        {
            Assert.Skip("systemd-analyze is not installed (apt-get install systemd)");
        }
        using var verify = Process.Start(start)!;
        var said = (await verify.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken)) + await verify.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await verify.WaitForExitAsync(TestContext.Current.CancellationToken);
        verify.ExitCode.ShouldBe(0, said);
        said.Trim().ShouldBeEmpty();
    }
}

using EdgeAi.Common.Service;

namespace EdgeAi.Common.Tests.Service;

public sealed class WindowsServiceCommandsTests
{
    private static ServiceDefinition Windows(string user = "") => new(
        ServiceSamples.Agent,
        @"C:\Program Files\EdgeAi\edge-agent.exe",
        ServiceProduct.RunArguments(@"C:\ProgramData\EdgeAi\edge-agent", ["--broker", "mqtts://hub:8883"]),
        user,
        @"C:\ProgramData\EdgeAi\edge-agent",
        []);

    private static string[][] Lists(IEnumerable<ExternalCommand> commands) =>
        [.. commands.Select(c => new[] { c.Program }.Concat(c.Arguments).ToArray())];

    [Fact]
    public void Install_Start_CreateDescriptionFailureActionsFlagStart()
    {
        var commands = Lists(WindowsServiceCommands.Install(Windows(), start: true));

        commands.Length.ShouldBe(5);
        commands[0].ShouldBe(["sc.exe", "create", "edge-agent",
            "binPath=", "\"C:\\Program Files\\EdgeAi\\edge-agent.exe\" run --data-dir C:\\ProgramData\\EdgeAi\\edge-agent --broker mqtts://hub:8883",
            "start=", "auto", "DisplayName=", "EdgeAi edge agent"]);
        commands[1].ShouldBe(["sc.exe", "description", "edge-agent", "EdgeAi edge agent"]);
        commands[2].ShouldBe(["sc.exe", "failure", "edge-agent", "reset=", "86400", "actions=", "restart/5000/restart/5000/restart/5000"]);
        commands[3].ShouldBe(["sc.exe", "failureflag", "edge-agent", "1"]);
        commands[4].ShouldBe(["sc.exe", "start", "edge-agent"]);
    }

    [Fact]
    public void Install_AccountNoStart_ObjAndNoStartCommand()
    {
        var commands = Lists(WindowsServiceCommands.Install(Windows(@"NT AUTHORITY\LocalService"), start: false));

        commands.Length.ShouldBe(4);
        commands[0][^2..].ShouldBe(["obj=", @"NT AUTHORITY\LocalService"]);
        commands.ShouldNotContain(c => c[1] == "start");
    }

    [Fact]
    public void UninstallAndQuery_StopDeleteQuery()
    {
        Lists(WindowsServiceCommands.Uninstall(ServiceSamples.Agent)).ShouldBe([["sc.exe", "stop", "edge-agent"], ["sc.exe", "delete", "edge-agent"]]);
        Lists([WindowsServiceCommands.Query(ServiceSamples.Agent)]).ShouldBe([["sc.exe", "query", "edge-agent"]]);
    }

    [Theory]
    [InlineData(@"C:\a\b.exe", @"C:\a\b.exe")]
    [InlineData(@"C:\Program Files\b.exe", "\"C:\\Program Files\\b.exe\"")]
    [InlineData(@"C:\dir with space\", "\"C:\\dir with space\\\\\"")]
    [InlineData("say \"hi\"", "\"say \\\"hi\\\"\"")]
    [InlineData("", "\"\"")]
    public void Quote_AsTheCRuntimeSplitsArguments(string word, string expected) =>
        WindowsServiceCommands.Quote(word).ShouldBe(expected);

    [Fact]
    public void State_QueryOutput_StateWord()
    {
        const string Query = """

            SERVICE_NAME: edge-agent
                    TYPE               : 10  WIN32_OWN_PROCESS
                    STATE              : 4  RUNNING
                                            (STOPPABLE, NOT_PAUSABLE, ACCEPTS_SHUTDOWN)
                    WIN32_EXIT_CODE    : 0  (0x0)
            """;

        WindowsServiceCommands.State(Query).ShouldBe("RUNNING");
        WindowsServiceCommands.State("[SC] EnumQueryServicesStatus:OpenService FAILED 1060:").ShouldBeNull();
    }
}

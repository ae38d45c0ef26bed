using EdgeAi.Hub.Cli;

namespace EdgeAi.Hub.Tests.Cli;

public sealed class CliParsingTests
{
    [Fact]
    public void Selector_RepeatedAndCommaSeparated_Merged() =>
        DeploymentsCommand.Selector(["site=lobby,kind=camera", "floor = 2"])!
            .ShouldBe(new Dictionary<string, string> { ["site"] = "lobby", ["kind"] = "camera", ["floor"] = "2" }, ignoreOrder: true);

    [Fact]
    public void Selector_None_Null() => DeploymentsCommand.Selector([]).ShouldBeNull();

    [Fact]
    public void Selector_NoEquals_PlainError() =>
        Should.Throw<AdminCommandException>(() => DeploymentsCommand.Selector(["lobby"])).Message.ShouldContain("tag=value");

    [Fact]
    public void Waves_CommaList_Parsed() => DeploymentsCommand.Waves("10, 50%,100").ShouldBe([10, 50, 100]);

    [Fact]
    public void Waves_NotNumbers_PlainError() =>
        Should.Throw<AdminCommandException>(() => DeploymentsCommand.Waves("ten,100")).Message.ShouldContain("--waves");
}

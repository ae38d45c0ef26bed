using EdgeAi.Serving.Runtime;

namespace EdgeAi.IntegrationTests.Testing;

/// <summary>
/// The test kit's error-log scope: a host that logs an error its test did not declare fails the test when it
/// is disposed — in process whatever the console's log levels, and as a child process from its console —
/// and a declared error does not. Each host here loads a corrupt model, which logs ModelHost's event 1002.
/// </summary>
public sealed class ErrorLogScopeTests : IDisposable
{
    private const string LoadFailure = "Model corrupt version 1 failed to load";

    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Hub_UndeclaredErrorWithItsCategoryTurnedOff_DisposeFailsNamingCategoryEventAndMessage()
    {
        var hub = new TestHub(_scratch.Sub("hub"), new Dictionary<string, string?> { ["Logging:LogLevel:EdgeAi.Serving"] = "None" });
        hub.Store.InstallCorrupt("corrupt");
        await hub.StartAsync();

        var failure = await Should.ThrowAsync<UnexpectedErrorLogException>(hub.DisposeAsync().AsTask());

        failure.Message.ShouldContain("the hub logged 1 error(s) the test did not expect");
        failure.Message.ShouldContain($"fail: EdgeAi.Serving.Runtime.ModelHost[1002] {LoadFailure}");
    }

    [Fact]
    public async Task Agent_ErrorDeclaredByCategoryEventAndMessage_DisposePasses()
    {
        var agent = new TestAgent(_scratch.Sub("agent"));
        agent.Store.InstallCorrupt("corrupt");
        agent.ExpectErrors(typeof(ModelHost), 1002, LoadFailure);
        await agent.StartAsync(hub: null);

        await agent.DisposeAsync();

        agent.Errors.Entries.ShouldHaveSingleItem().ToString().ShouldStartWith($"fail: EdgeAi.Serving.Runtime.ModelHost[1002] {LoadFailure}");
    }

    [Fact]
    public async Task Agent_ErrorDeclaredForAnotherEvent_StillFails()
    {
        var agent = new TestAgent(_scratch.Sub("agent"));
        agent.Store.InstallCorrupt("corrupt");
        agent.ExpectErrors(typeof(ModelHost), 1001);
        await agent.StartAsync(hub: null);

        (await Should.ThrowAsync<UnexpectedErrorLogException>(agent.DisposeAsync().AsTask())).Message.ShouldContain("ModelHost[1002]");
    }

    [Fact]
    public async Task AgentProcess_UndeclaredErrorOnItsConsole_DisposeFails()
    {
        var data = _scratch.Sub("agent-process");
        ModelInstall.StoreIn(data).InstallCorrupt("corrupt");
        var agent = await AgentProcess.StartAsync(data, new Dictionary<string, string>());
        var id = agent.Id;

        var failure = await Should.ThrowAsync<UnexpectedErrorLogException>(agent.DisposeAsync().AsTask());

        failure.Message.ShouldContain($"the edge-agent process {id} logged 1 error(s)");
        failure.Message.ShouldContain($"fail: EdgeAi.Serving.Runtime.ModelHost[1002] {LoadFailure}");
    }

    [Fact]
    public void ExpectedError_NeitherEventIdNorMessage_Refused()
    {
        // Declaring a whole category would let every error of it through: the blanket switch the scope exists to avoid.
        Should.Throw<ArgumentException>(() => new ExpectedError("EdgeAi.Serving.Runtime.ModelHost", null, null));
    }
}

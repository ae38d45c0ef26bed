using EdgeAi.Hub.Broker;
using EdgeAi.Hub.Broker.DynamicSecurity;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Tests.Broker.DynamicSecurity;

/// <summary>How a device login is made or replaced, from the plugin's answers (error texts as mosquitto 2.0.11 sends them).</summary>
public sealed class DynamicSecurityAccountsTests
{
    private readonly ScriptedChannel _channel = new();

    [Fact]
    public async Task Provision_NewDevice_OneBatchCreatesRoleAndClient()
    {
        _channel.Answer(Ok("createRole"), Ok("createClient"));

        await Accounts().ProvisionAsync("cam-1", "key", TestContext.Current.CancellationToken);

        _channel.Sent.ShouldBe([["createRole", "createClient"]]);
    }

    [Fact]
    public async Task Provision_LoginExistsWithNoOtherRole_RoleAndClientReplacedAndEnabled()
    {
        _channel.Answer(Error("createRole", DynsecResponse.RoleExists), Error("createClient", DynsecResponse.ClientExists));
        _channel.Answer(Client("""{"client":{"username":"cam-1","roles":[{"rolename":"edgeai-device-cam-1"}]}}"""));
        _channel.Answer(Ok("modifyRole"), Ok("modifyClient"), Ok("enableClient"));

        await Accounts().ProvisionAsync("cam-1", "key", TestContext.Current.CancellationToken);

        _channel.Sent.ShouldBe([["createRole", "createClient"], ["getClient"], ["modifyRole", "modifyClient", "enableClient"]]);
    }

    [Fact]
    public async Task Provision_LoginWithAnotherRole_TakenAndNotModified()
    {
        _channel.Answer(Ok("createRole"), Error("createClient", DynsecResponse.ClientExists));
        _channel.Answer(Client("""{"client":{"username":"ops","roles":[{"rolename":"admin"}]}}"""));

        var taken = await Should.ThrowAsync<BrokerLoginTakenException>(() => Accounts().ProvisionAsync("ops", "key", TestContext.Current.CancellationToken));

        taken.Message.ShouldContain("roles: admin");
        _channel.Sent.ShouldBe([["createRole", "createClient"], ["getClient"]]);
    }

    [Fact]
    public async Task ProvisionAndDisable_HubsOwnUser_TakenWithoutAsking()
    {
        var accounts = Accounts();

        await Should.ThrowAsync<BrokerLoginTakenException>(() => accounts.ProvisionAsync("hub", "key", TestContext.Current.CancellationToken));
        await Should.ThrowAsync<BrokerLoginTakenException>(() => accounts.DisableAsync("hub", TestContext.Current.CancellationToken));
        _channel.Sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task Provision_OtherRefusal_BrokerAccountsExceptionNamingIt()
    {
        _channel.Answer(Error("createRole", "Internal error"), Ok("createClient"));

        var refused = await Should.ThrowAsync<BrokerAccountsException>(() => Accounts().ProvisionAsync("cam-1", "key", TestContext.Current.CancellationToken));

        refused.ShouldNotBeOfType<BrokerLoginTakenException>();
        refused.Message.ShouldBe("the dynamic security plugin refused createRole for device cam-1: Internal error");
    }

    [Fact]
    public async Task Disable_KnownOrUnknownClient_TrueOrFalse()
    {
        _channel.Answer(Ok("disableClient"));
        _channel.Answer(Error("disableClient", DynsecResponse.ClientNotFound));
        var accounts = Accounts();

        (await accounts.DisableAsync("cam-1", TestContext.Current.CancellationToken)).ShouldBeTrue();
        (await accounts.DisableAsync("cam-2", TestContext.Current.CancellationToken)).ShouldBeFalse();
    }

    private DynamicSecurityAccounts Accounts() => new(
        _channel,
        Options.Create(new MqttOptions { ExternalBroker = "mqtt://broker:1883", ExternalUsername = "hub", DynamicSecurity = { Enabled = true } }),
        NullLogger<DynamicSecurityAccounts>.Instance);

    private static DynsecResponse Ok(string command) => new(command, null, null, null);

    private static DynsecResponse Error(string command, string error) => new(command, error, null, null);

    private static DynsecResponse Client(string data)
    {
        using var document = System.Text.Json.JsonDocument.Parse(data);
        return new DynsecResponse("getClient", null, null, document.RootElement.Clone());
    }

    /// <summary>Answers each batch with the next scripted responses and records the command names it was sent.</summary>
    private sealed class ScriptedChannel : IDynsecChannel
    {
        private readonly Queue<DynsecResponse[]> _answers = new();

        public List<string[]> Sent { get; } = [];

        public void Answer(params DynsecResponse[] responses) => _answers.Enqueue(responses);

        public Task<IReadOnlyList<DynsecResponse>> SendAsync(IReadOnlyList<DynsecCommand> commands, CancellationToken cancellationToken)
        {
            Sent.Add([.. commands.Select(c => c.Name)]);
            var answer = _answers.Dequeue();
            answer.Select(r => r.Command).ShouldBe(commands.Select(c => c.Name));
            return Task.FromResult<IReadOnlyList<DynsecResponse>>(answer);
        }
    }
}

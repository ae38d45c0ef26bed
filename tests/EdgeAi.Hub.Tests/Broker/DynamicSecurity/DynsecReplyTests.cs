using System.Buffers;
using System.Text;
using System.Text.Json;
using EdgeAi.Hub.Broker.DynamicSecurity;

namespace EdgeAi.Hub.Tests.Broker.DynamicSecurity;

/// <summary>Reading what Mosquitto 2.0.11's dynamic security plugin answers (the replies below are as it sent them).</summary>
public sealed class DynsecReplyTests
{
    [Fact]
    public void Parse_ErrorsAndCorrelation_PerCommand()
    {
        var responses = Parse("""
            {"responses":[{"command":"createRole","error":"Role already exists","correlationData":"b:0"},{"command":"createClient","correlationData":"b:1"},
            {"command":"getClient","error":"Client not found"}]}
            """);

        responses.Select(r => (r.Command, r.Error, r.CorrelationData)).ShouldBe(
            [("createRole", DynsecResponse.RoleExists, "b:0"), ("createClient", null, "b:1"), ("getClient", DynsecResponse.ClientNotFound, null)]);
        responses[1].Succeeded.ShouldBeTrue();
        responses[0].Succeeded.ShouldBeFalse();
    }

    [Fact]
    public void Clients_VerboseList_UsernamesRolesAndDisabled()
    {
        var list = Parse("""
            {"responses":[{"command":"listClients","data":{"totalCount":3,"clients":[
            {"username":"hub","textname":"Dynsec admin user","roles":[{"rolename":"admin"},{"rolename":"edgeai-hub"}],"groups":[]},
            {"username":"cam-1","clientid":"cam-1","disabled":true,"roles":[{"rolename":"edgeai-device-cam-1"}],"groups":[]},
            {"username":"cam-2","roles":[],"groups":[]}]}}]}
            """)[0];

        var clients = DynsecReply.Clients(list);

        clients.Select(c => c.Username).ShouldBe(["hub", "cam-1", "cam-2"]);
        clients.Select(c => c.Disabled).ShouldBe([false, true, false]);
        clients[0].Roles.ShouldBe(["admin", "edgeai-hub"]);
        clients[2].Roles.ShouldBeEmpty();
        DynsecReply.TotalCount(list).ShouldBe(3);
    }

    [Fact]
    public void Client_GetClientReplyOrNotFound_ClientOrNull()
    {
        var found = DynsecReply.Client(Parse("""
            {"responses":[{"command":"getClient","data":{"client":{"username":"d5","clientid":"d5","disabled":true,"roles":[{"rolename":"r2"}],"groups":[]}}}]}
            """)[0]);

        found.ShouldNotBeNull();
        (found.Username, found.Disabled).ShouldBe(("d5", true));
        found.Roles.ShouldBe(["r2"]);
        DynsecReply.Client(Parse("""{"responses":[{"command":"getClient","error":"Client not found"}]}""")[0]).ShouldBeNull();
    }

    [Fact]
    public void Clients_NotVerboseOrNoData_NamesOrEmpty()
    {
        DynsecReply.Clients(Parse("""{"responses":[{"command":"listClients","data":{"clients":["a","b"]}}]}""")[0]).Select(c => c.Username).ShouldBe(["a", "b"]);
        DynsecReply.Clients(Parse("""{"responses":[{"command":"listClients","error":"Internal error"}]}""")[0]).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("""[]""")]
    [InlineData("""{"responses":{}}""")]
    [InlineData("""{"responses":[{"error":"x"}]}""")]
    [InlineData("""{"responses":[1]}""")]
    public void Parse_NotThePluginShape_FormatException(string json) =>
        Should.Throw<FormatException>(() => Parse(json)).Message.ShouldContain("dynamic-security");

    [Fact]
    public void Parse_NotJson_JsonException() => Should.Throw<JsonException>(() => Parse("{responses"));

    private static IReadOnlyList<DynsecResponse> Parse(string json) => DynsecReply.Parse(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json)));
}

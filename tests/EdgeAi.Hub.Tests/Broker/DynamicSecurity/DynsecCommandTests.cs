using System.Buffers;
using System.Text;
using System.Text.Json;
using EdgeAi.Hub.Broker.DynamicSecurity;

namespace EdgeAi.Hub.Tests.Broker.DynamicSecurity;

/// <summary>The commands the hub sends Mosquitto's dynamic security plugin, as JSON, and the device role they carry.</summary>
public sealed class DynsecCommandTests
{
    [Fact]
    public void Serialize_EnrollmentBatch_PluginShapeWithCorrelationPerCommand()
    {
        var role = DeviceRole.Name(DynamicSecurityOptions.DefaultDeviceRolePrefix, "cam-1");
        var json = Encoding.UTF8.GetString(DynsecCommand.Serialize(
            [DynsecCommand.CreateRole(role, [new DynsecAcl(DynsecAcl.PublishClientSend, "edgeai/v1/cam-1/status")]), DynsecCommand.CreateClient("cam-1", "k\"ey", "cam-1", role)],
            "b1"));

        json.ShouldBe(
            """{"commands":[{"command":"createRole","rolename":"edgeai-device-cam-1","acls":[{"acltype":"publishClientSend","topic":"edgeai/v1/cam-1/status","allow":true}],"correlationData":"b1:0"},"""
            + """{"command":"createClient","username":"cam-1","password":"k\u0022ey","clientid":"cam-1","roles":[{"rolename":"edgeai-device-cam-1"}],"correlationData":"b1:1"}]}""");
        using var parsed = JsonDocument.Parse(json);
        parsed.RootElement.GetProperty("commands")[1].GetProperty("password").GetString().ShouldBe("k\"ey");
    }

    [Fact]
    public void Serialize_ListDisableEnableModify_NamesAndFields()
    {
        using var parsed = JsonDocument.Parse(DynsecCommand.Serialize(
            [DynsecCommand.ListClients(), DynsecCommand.DisableClient("a"), DynsecCommand.EnableClient("a"), DynsecCommand.ModifyClient("a", "p", "a", "r"), DynsecCommand.ModifyRole("r", []), DynsecCommand.GetClient("a")],
            "x"));
        var commands = parsed.RootElement.GetProperty("commands").EnumerateArray().ToArray();

        commands.Select(c => c.GetProperty("command").GetString()).ShouldBe(["listClients", "disableClient", "enableClient", "modifyClient", "modifyRole", "getClient"]);
        commands[0].GetProperty("verbose").GetBoolean().ShouldBeTrue();
        commands[0].GetProperty("count").GetInt32().ShouldBe(-1);
        commands[1].GetProperty("username").GetString().ShouldBe("a");
        commands[3].GetProperty("roles")[0].GetProperty("rolename").GetString().ShouldBe("r");
        commands[4].GetProperty("acls").GetArrayLength().ShouldBe(0);
        commands.Select(c => c.GetProperty("correlationData").GetString()).ShouldBe(["x:0", "x:1", "x:2", "x:3", "x:4", "x:5"]);
    }

    [Fact]
    public void DeviceRole_Acls_MirrorDeviceAclWithLiteralOwnTopicsOnly()
    {
        var acls = DeviceRole.Acls("cam-1");

        var sends = acls.Where(a => a.Type == DynsecAcl.PublishClientSend).Select(a => a.Topic).ToArray();
        sends.ShouldBe(["edgeai/v1/cam-1/status", "edgeai/v1/cam-1/telemetry", "edgeai/v1/cam-1/inference", "edgeai/v1/cam-1/events", "edgeai/v1/cam-1/deployments", "edgeai/v1/cam-1/reported"]);
        sends.ShouldAllBe(topic => Hub.Broker.DeviceAcl.CanPublish("cam-1", topic));
        acls.Where(a => a.Type == DynsecAcl.SubscribeLiteral).Select(a => a.Topic).ShouldBe(["edgeai/v1/cam-1/desired", "edgeai/v1/cam-1/commands"]);
        acls.Where(a => a.Type == DynsecAcl.SubscribeLiteral).ShouldAllBe(a => Hub.Broker.DeviceAcl.CanSubscribe("cam-1", a.Topic));
        acls.ShouldAllBe(a => !a.Topic.Contains('+') && !a.Topic.Contains('#') && !a.Topic.Contains('%'));
        acls.Select(a => a.Type).Distinct().ShouldBe([DynsecAcl.PublishClientSend, DynsecAcl.SubscribeLiteral, DynsecAcl.PublishClientReceive], ignoreOrder: true);
    }
}

using System.Buffers;
using System.Text.Json;

namespace EdgeAi.Hub.Broker.DynamicSecurity;

/// <summary>One ACL of a dynamic-security role: its type (publishClientSend, subscribeLiteral, …) and topic, allowed.</summary>
internal sealed record DynsecAcl(string Type, string Topic)
{
    public const string PublishClientSend = "publishClientSend";
    public const string PublishClientReceive = "publishClientReceive";
    public const string SubscribeLiteral = "subscribeLiteral";
    public const string SubscribePattern = "subscribePattern";
}

/// <summary>
/// One command of Mosquitto's dynamic security plugin, as it goes in the <c>commands</c> array
/// published to <c>$CONTROL/dynamic-security/v1</c>. Written with <see cref="Utf8JsonWriter"/>: the
/// shape is fixed and small, and no reflection-based serializer is needed for it.
/// </summary>
internal sealed class DynsecCommand
{
    public const string ControlTopic = "$CONTROL/dynamic-security/v1";
    public const string ResponseTopic = ControlTopic + "/response";

    private readonly Action<Utf8JsonWriter> _fields;

    private DynsecCommand(string name, Action<Utf8JsonWriter> fields)
    {
        Name = name;
        _fields = fields;
    }

    /// <summary>The plugin's command name, which it repeats in the response.</summary>
    public string Name { get; }

    public static DynsecCommand CreateRole(string role, IReadOnlyList<DynsecAcl> acls) => new("createRole", w =>
    {
        w.WriteString("rolename", role);
        WriteAcls(w, acls);
    });

    /// <summary>Replaces the role's ACLs with these (measured on 2.0.11: modifyRole with acls replaces the list).</summary>
    public static DynsecCommand ModifyRole(string role, IReadOnlyList<DynsecAcl> acls) => new("modifyRole", w =>
    {
        w.WriteString("rolename", role);
        WriteAcls(w, acls);
    });

    /// <summary>A client that must connect with <paramref name="clientId"/> (so no one takes over its session) and holds only <paramref name="role"/>.</summary>
    public static DynsecCommand CreateClient(string username, string password, string clientId, string role) => new("createClient", w =>
    {
        WriteClient(w, username, password, clientId, role);
    });

    /// <summary>Sets password, client id and roles (the role list is replaced) of an existing client.</summary>
    public static DynsecCommand ModifyClient(string username, string password, string clientId, string role) => new("modifyClient", w =>
    {
        WriteClient(w, username, password, clientId, role);
    });

    /// <summary>Refuses the client's logins; on 2.0.11 it also drops a live connection ("disconnected by administrative action").</summary>
    public static DynsecCommand DisableClient(string username) => new("disableClient", w => w.WriteString("username", username));

    public static DynsecCommand EnableClient(string username) => new("enableClient", w => w.WriteString("username", username));

    public static DynsecCommand GetClient(string username) => new("getClient", w => w.WriteString("username", username));

    /// <summary>Every client with its roles and disabled flag (verbose); count -1 asks for all of them.</summary>
    public static DynsecCommand ListClients() => new("listClients", w =>
    {
        w.WriteBoolean("verbose", true);
        w.WriteNumber("count", -1);
    });

    /// <summary>The message body: <c>{"commands":[…]}</c>, each command tagged <c>correlationData</c> = <paramref name="correlation"/>:index, which the plugin echoes.</summary>
    public static byte[] Serialize(IReadOnlyList<DynsecCommand> commands, string correlation)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("commands");
            for (var i = 0; i < commands.Count; i++)
            {
                w.WriteStartObject();
                w.WriteString("command", commands[i].Name);
                commands[i]._fields(w);
                w.WriteString("correlationData", Correlation(correlation, i));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static string Correlation(string batch, int index) => $"{batch}:{index}";

    private static void WriteClient(Utf8JsonWriter w, string username, string password, string clientId, string role)
    {
        w.WriteString("username", username);
        w.WriteString("password", password);
        w.WriteString("clientid", clientId);
        w.WriteStartArray("roles");
        w.WriteStartObject();
        w.WriteString("rolename", role);
        w.WriteEndObject();
        w.WriteEndArray();
    }

    private static void WriteAcls(Utf8JsonWriter w, IReadOnlyList<DynsecAcl> acls)
    {
        w.WriteStartArray("acls");
        foreach (var acl in acls)
        {
            w.WriteStartObject();
            w.WriteString("acltype", acl.Type);
            w.WriteString("topic", acl.Topic);
            w.WriteBoolean("allow", true);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}

using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAi.Testing.Mqtt;

/// <summary>
/// The Mosquitto dynamic security plugin as the README tells an operator to set it up: the plugin's
/// JSON made by <c>mosquitto_ctrl dynsec init</c> (the hub's user with the plugin's admin role), plus a
/// role for the hub's own traffic; and a test's own admin connection to look at (or tamper with) what
/// the hub did.
/// </summary>
internal static class MosquittoDynamicSecurity
{
    public const string PluginPath = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so";

    public const string HubRole = "edgeai-hub";

    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The hub's role: its shared subscription (a $share filter needs an ACL naming the $share form,
    /// measured on 2.0.11), the presence subscription, what it receives, and its publishes (desired,
    /// commands). The admin role from init may subscribe to # but not publish to normal topics.
    /// </summary>
    public static IReadOnlyList<(string Type, string Topic)> HubAcls { get; } =
    [
        ("subscribePattern", "$share/+/edgeai/v1/+/+"),
        ("subscribePattern", "edgeai/v1/+/status"),
        ("publishClientReceive", "edgeai/v1/#"),
        ("publishClientSend", "edgeai/v1/+/desired"),
        ("publishClientSend", "edgeai/v1/+/commands"),
    ];

    /// <summary>Writes the plugin's starting JSON: <paramref name="user"/> with the admin role and <see cref="HubRole"/>.</summary>
    public static async Task InitAsync(string file, string user, string password, CancellationToken cancellationToken)
    {
        using (var init = Process.Start(new ProcessStartInfo("/usr/bin/mosquitto_ctrl", ["dynsec", "init", file, user, password])
               {
                   RedirectStandardOutput = true,
                   RedirectStandardError = true,
               })!)
        {
            var output = init.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = await init.StandardError.ReadToEndAsync(cancellationToken);
            await init.WaitForExitAsync(cancellationToken);
            if (init.ExitCode != 0)
            {
                throw new InvalidOperationException($"mosquitto_ctrl dynsec init failed ({init.ExitCode}): {error}{await output}");
            }
        }
        var root = JsonNode.Parse(await File.ReadAllTextAsync(file, cancellationToken))!.AsObject();
        var acls = new JsonArray([.. HubAcls.Select(a => (JsonNode)new JsonObject { ["acltype"] = a.Type, ["topic"] = a.Topic, ["allow"] = true })]);
        root["roles"]!.AsArray().Add(new JsonObject { ["rolename"] = HubRole, ["acls"] = acls });
        var hub = root["clients"]!.AsArray().Single(c => c!["username"]!.GetValue<string>() == user)!;
        hub["roles"]!.AsArray().Add(new JsonObject { ["rolename"] = HubRole });
        await File.WriteAllTextAsync(file, root.ToJsonString(), cancellationToken);
    }

    /// <summary>
    /// Sends <c>{"commands":[…]}</c> as the hub's user (a connection of the test's own) and returns the
    /// plugin's <c>responses</c>. Each command is tagged, so replies to the hub's own commands are skipped.
    /// </summary>
    public static async Task<JsonElement[]> ControlAsync(MosquittoBroker broker, string commandsJson, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(broker);
        var tag = "test-" + Guid.NewGuid().ToString("N");
        var commands = JsonNode.Parse(commandsJson)!.AsArray();
        foreach (var command in commands)
        {
            command!["correlationData"] = tag;
        }
        var reply = new TaskCompletionSource<JsonElement[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var client = await DeviceMqtt.ConnectAsync(
            DeviceMqtt.DeviceOptions(broker.Port, tag, MosquittoBroker.HubUser, MosquittoBroker.HubPassword).Build(), cancellationToken);
        client.ApplicationMessageReceivedAsync += e =>
        {
            using var document = JsonDocument.Parse(e.ApplicationMessage.ConvertPayloadToString());
            var responses = document.RootElement.GetProperty("responses").EnumerateArray().Select(r => r.Clone()).ToArray();
            if (responses.Length > 0 && responses[0].TryGetProperty("correlationData", out var c) && c.GetString() == tag)
            {
                reply.TrySetResult(responses);
            }
            return Task.CompletedTask;
        };
        await client.SubscribeAsync("$CONTROL/dynamic-security/v1/response", MqttQualityOfServiceLevel.AtMostOnce, cancellationToken);
        var message = new MqttApplicationMessageBuilder()
            .WithTopic("$CONTROL/dynamic-security/v1")
            .WithPayload(new JsonObject { ["commands"] = commands }.ToJsonString())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var published = await client.PublishAsync(message, cancellationToken);
        if (!published.IsSuccess)
        {
            throw new InvalidOperationException($"the broker refused the test's dynamic-security command: {published.ReasonCode}\n{broker.Log}");
        }
        return await reply.Task.WaitAsync(ReplyTimeout, cancellationToken);
    }

    /// <summary>The broker's record of one client (getClient's data.client), or null when it has none.</summary>
    public static async Task<JsonElement?> GetClientAsync(MosquittoBroker broker, string username, CancellationToken cancellationToken)
    {
        var response = (await ControlAsync(broker, $$"""[{"command":"getClient","username":"{{username}}"}]""", cancellationToken))[0];
        return response.TryGetProperty("data", out var data) ? data.GetProperty("client") : null;
    }
}

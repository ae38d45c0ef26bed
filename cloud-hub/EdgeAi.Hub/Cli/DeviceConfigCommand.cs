using System.CommandLine;
using System.Text.Json;
using EdgeAi.Hub.Twin;

namespace EdgeAi.Hub.Cli;

/// <summary>
/// <c>cloud-hub devices config ID [KEY=VALUE ...] [--unset KEY ...] [--replace]</c>: the device twin's
/// desired configuration. Without changes it shows the configuration; with them it merges them into
/// what the hub holds (or replaces it) and the hub publishes the new desired state.
/// </summary>
internal static class DeviceConfigCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "The device id." };
        var pairs = new Argument<string[]>("settings")
        {
            Description = "Agent configuration keys to set, KEY=VALUE (Telemetry:SampleRate=0.1). None: show the configuration.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var unset = new Option<string[]>("--unset") { Description = "A key to remove (repeat the option for more)." };
        var replace = new Option<bool>("--replace") { Description = "The settings given become the whole configuration (keys not named are removed)." };
        var command = new Command("config", "Show or change a device's desired configuration (the twin); the device applies it when it syncs.") { id, pairs, unset, replace };
        command.SetAction((parse, cancellationToken) => AdminCommandRunner.RunAsync(parse, async (client, output, ct) =>
        {
            var deviceId = parse.GetRequiredValue(id);
            var changes = Parse(parse.GetValue(pairs) ?? []);
            var removed = parse.GetValue(unset) ?? [];
            var path = $"/api/devices/{ApiCalls.Escape(deviceId)}";
            var current = await ApiCalls.GetAsync(client, path + "/desired", ct).ConfigureAwait(false);
            if (changes.Count == 0 && removed.Length == 0 && !parse.GetValue(replace))
            {
                await WriteAsync(output, current).ConfigureAwait(false);
                return;
            }
            var config = parse.GetValue(replace) ? new Dictionary<string, string>(StringComparer.Ordinal) : Config(current);
            foreach (var key in removed)
            {
                if (!config.Remove(key))
                {
                    throw new AdminCommandException($"--unset {key}: device '{deviceId}' has no such key (see 'cloud-hub devices config {deviceId}')");
                }
            }
            foreach (var (key, value) in changes)
            {
                config[key] = value;
            }
            using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(path + "/config", UriKind.Relative))
            {
                Content = ApiCalls.Json(JsonSerializer.Serialize(config, TwinJson.Default.DictionaryStringString)),
            };
            await WriteAsync(output, await ApiCalls.SendAsync(client, request, ct).ConfigureAwait(false)).ConfigureAwait(false);
        }, cancellationToken));
        return command;
    }

    /// <summary>KEY=VALUE pairs, split at the first '=' (a value may hold '='; an empty value is allowed).</summary>
    internal static Dictionary<string, string> Parse(IEnumerable<string> pairs)
    {
        var config = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new AdminCommandException($"'{pair}' must be KEY=VALUE, e.g. Telemetry:SampleRate=0.1");
            }
            var key = pair[..equals];
            if (TwinConfig.CheckKey(key) is { } bad)
            {
                throw new AdminCommandException(bad);
            }
            config[key] = pair[(equals + 1)..];
        }
        return config;
    }

    private static Dictionary<string, string> Config(JsonElement desired)
    {
        var config = new Dictionary<string, string>(StringComparer.Ordinal);
        if (desired.TryGetProperty("config", out var values) && values.ValueKind == JsonValueKind.Object)
        {
            foreach (var value in values.EnumerateObject())
            {
                config[value.Name] = value.Value.GetString() ?? "";
            }
        }
        return config;
    }

    private static async Task WriteAsync(TextWriter output, JsonElement desired)
    {
        var config = Config(desired);
        await output.WriteLineAsync($"device {desired.GetProperty("deviceId").GetString()}, desired revision {desired.GetProperty("revision").GetInt64()}").ConfigureAwait(false);
        if (config.Count == 0)
        {
            await output.WriteLineAsync("  (no configuration)").ConfigureAwait(false);
        }
        foreach (var (key, value) in config.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            await output.WriteLineAsync($"  {key}={value}").ConfigureAwait(false);
        }
    }
}

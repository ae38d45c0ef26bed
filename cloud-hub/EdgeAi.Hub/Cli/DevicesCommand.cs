using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeAi.Hub.Enrollment;
using EdgeAi.Hub.Security;

namespace EdgeAi.Hub.Cli;

/// <summary><c>cloud-hub devices list|revoke|config|bundle|bundles</c>, through the admin API.</summary>
internal static class DevicesCommand
{
    public static Command Create() =>
        new Command("devices", "Devices the hub knows: enrolled, configured or seen.") { List(), Revoke(), DeviceConfigCommand.Create(), DeviceBundleCommand.Bundle(), DeviceBundleCommand.List() }.WithConnection();

    private static Command List()
    {
        var command = new Command("list", "List devices: online, offline (with why), stale (online by its last status but silent for Hub:Dashboard:StaleAfter) or revoked; last seen; tags.");
        command.SetAction((parse, cancellationToken) => AdminCommandRunner.RunAsync(parse, async (client, output, ct) =>
        {
            var devices = await AdminCommandRunner.GetJsonAsync(client, "/api/devices", ct).ConfigureAwait(false);
            if (devices.GetArrayLength() == 0)
            {
                await output.WriteLineAsync("no devices yet (enroll one with a token from 'cloud-hub tokens create')").ConfigureAwait(false);
                return;
            }
            await output.WriteLineAsync($"{"ID",-32} {"STATE",-28} {"LAST SEEN",-21} TAGS").ConfigureAwait(false);
            foreach (var d in devices.EnumerateArray())
            {
                // The hub's own verdict (stale included); an older hub without it: the last status as sent.
                var state = d.TryGetProperty("state", out var s) && s.GetString() is { } named ? named
                    : Has(d, "revokedAt") ? "revoked" : d.GetProperty("online").GetBoolean() ? "online" : "offline";
                if (state == "offline" && d.TryGetProperty("lastOfflineReason", out var why) && why.GetString() is { Length: > 0 } reason)
                {
                    state = $"offline ({reason})";
                }
                var lastSeen = d.GetProperty("lastSeenAt").GetDateTimeOffset().ToString("u", CultureInfo.InvariantCulture);
                var tags = d.TryGetProperty("tags", out var t) && t.ValueKind == JsonValueKind.Object
                    ? TokenSyntax.Format(t.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? ""))
                    : "-";
                await output.WriteLineAsync($"{d.GetProperty("id").GetString(),-32} {state,-28} {lastSeen,-21} {tags}").ConfigureAwait(false);
            }
        }, cancellationToken));
        return command;
    }

    private static Command Revoke()
    {
        var id = new Argument<string>("id") { Description = "The device id." };
        var command = new Command("revoke", "Revoke a device: refused on MQTT and gRPC from now on, its live MQTT session dropped.") { id };
        command.SetAction((parse, cancellationToken) => AdminCommandRunner.RunAsync(parse, async (client, output, ct) =>
        {
            var deviceId = parse.GetRequiredValue(id);
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/devices/{Uri.EscapeDataString(deviceId)}/revoke", UriKind.Relative));
            var revoked = await AdminCommandRunner.SendAsync(client, request, SecurityJson.Default.RevokedDevice, ct).ConfigureAwait(false);
            await output.WriteLineAsync($"revoked device {revoked.Id} at {revoked.RevokedAt.ToString("u", CultureInfo.InvariantCulture)}").ConfigureAwait(false);
        }, cancellationToken));
        return command;
    }

    private static bool Has(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind != JsonValueKind.Null;
}

using System.Buffers;
using System.Text.Json;

namespace EdgeAi.Hub.Broker.DynamicSecurity;

/// <summary>One entry of the plugin's <c>responses</c> array: the command it answers, its error text (null: done) and its data.</summary>
internal sealed record DynsecResponse(string Command, string? Error, string? CorrelationData, JsonElement? Data)
{
    // Error texts of mosquitto 2.0.11's plugin, as measured.
    public const string ClientExists = "Client already exists";
    public const string ClientNotFound = "Client not found";
    public const string RoleExists = "Role already exists";

    public bool Succeeded => Error is null;
}

/// <summary>A client as listClients (verbose) reports it.</summary>
internal sealed record DynsecClient(string Username, bool Disabled, IReadOnlyList<string> Roles);

/// <summary>Reads what the plugin publishes on <c>$CONTROL/dynamic-security/v1/response</c>.</summary>
internal static class DynsecReply
{
    /// <summary>The responses of one reply message; a <see cref="JsonException"/> or <see cref="FormatException"/> when it is not the plugin's shape.</summary>
    public static IReadOnlyList<DynsecResponse> Parse(ReadOnlySequence<byte> payload)
    {
        var reader = new Utf8JsonReader(payload);
        using var document = JsonDocument.ParseValue(ref reader);
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("responses", out var responses)
            || responses.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("a dynamic-security reply must be an object with a 'responses' array");
        }
        var list = new List<DynsecResponse>(responses.GetArrayLength());
        foreach (var item in responses.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || String(item, "command") is not { } command)
            {
                throw new FormatException("each dynamic-security response must be an object naming its 'command'");
            }
            JsonElement? data = item.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object ? d.Clone() : null;
            list.Add(new DynsecResponse(command, String(item, "error"), String(item, "correlationData"), data));
        }
        return list;
    }

    /// <summary>The clients of a listClients response (data.clients); empty when it has none.</summary>
    public static IReadOnlyList<DynsecClient> Clients(DynsecResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.Data is not { } data || !data.TryGetProperty("clients", out var clients) || clients.ValueKind != JsonValueKind.Array)
        {
            return [];
        }
        var list = new List<DynsecClient>(clients.GetArrayLength());
        foreach (var client in clients.EnumerateArray())
        {
            // Not verbose, the plugin lists bare user names.
            if (client.ValueKind == JsonValueKind.String)
            {
                list.Add(new DynsecClient(client.GetString()!, false, []));
            }
            else if (Read(client) is { } read)
            {
                list.Add(read);
            }
        }
        return list;
    }

    /// <summary>The client of a getClient response (data.client), or null when it has none (an error, such as "Client not found").</summary>
    public static DynsecClient? Client(DynsecResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.Data is { } data && data.TryGetProperty("client", out var client) ? Read(client) : null;
    }

    private static DynsecClient? Read(JsonElement client)
    {
        if (client.ValueKind != JsonValueKind.Object || String(client, "username") is not { } username)
        {
            return null;
        }
        // "disabled" is present only when true (2.0.11).
        var disabled = client.TryGetProperty("disabled", out var flag) && flag.ValueKind == JsonValueKind.True;
        var roles = new List<string>();
        if (client.TryGetProperty("roles", out var roleArray) && roleArray.ValueKind == JsonValueKind.Array)
        {
            roles.AddRange(roleArray.EnumerateArray().Select(r => r.ValueKind == JsonValueKind.Object ? String(r, "rolename") : null).OfType<string>());
        }
        return new DynsecClient(username, disabled, roles);
    }

    /// <summary>data.totalCount of a listClients response, or null.</summary>
    public static int? TotalCount(DynsecResponse response) =>
        response?.Data is { } data && data.TryGetProperty("totalCount", out var total) && total.TryGetInt32(out var n) ? n : null;

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

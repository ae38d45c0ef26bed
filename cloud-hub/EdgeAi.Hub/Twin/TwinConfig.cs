using System.Text.Json;
using EdgeAi.Hub.Admin;

namespace EdgeAi.Hub.Twin;

/// <summary>
/// Rules for desired configuration keys: agent configuration paths, i.e. ':'-separated non-empty
/// segments of letters, digits, '_', '.' and '-' ("Routing:Models:classifier:ConfidenceThreshold").
/// </summary>
internal static class TwinConfig
{
    public const int MaxKeyLength = 256;

    /// <summary>The configuration a PUT asked for, as text per key; refused at the first bad key or value.</summary>
    public static Outcome<Dictionary<string, string>> Parse(IReadOnlyDictionary<string, JsonElement> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var config = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in body)
        {
            if (CheckKey(key) is { } badKey)
            {
                return Refusal.Invalid("Bad config key", badKey);
            }
            if (ValueText(value) is not { } text)
            {
                return Refusal.Invalid("Bad config value",
                    $"the value of '{key}' must be a string, number or boolean (configuration values are text), not {value.ValueKind}");
            }
            config[key] = text;
        }
        return config;
    }

    /// <summary>Why the key is not a configuration path, or null.</summary>
    public static string? CheckKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length is 0 or > MaxKeyLength)
        {
            return $"config key '{key}' must be 1 to {MaxKeyLength} characters";
        }
        foreach (var segment in key.Split(':'))
        {
            if (segment.Length == 0)
            {
                return $"config key '{key}' has an empty segment: use ':'-separated names such as 'Telemetry:SampleRate'";
            }
            if (!segment.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            {
                return $"config key '{key}' may hold only letters, digits, '_', '.', '-' and ':' between segments";
            }
        }
        return null;
    }

    /// <summary>The configuration text of a JSON value (string, number or boolean); null for anything else.</summary>
    public static string? ValueText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };
}

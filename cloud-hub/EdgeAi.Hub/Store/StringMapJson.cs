using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeAi.Hub.Store;

/// <summary>
/// The columns that hold a JSON object of strings: devices.tags and enrollment_tokens.tags,
/// deployments.selector, devices.desired_config. One reader for all of them.
/// </summary>
internal static class StringMapJson
{
    /// <summary>Keys in ordinal order, so equal maps are stored as equal text.</summary>
    public static string WriteOrdered(IReadOnlyDictionary<string, string> map) =>
        Write(new Dictionary<string, string>(map.OrderBy(t => t.Key, StringComparer.Ordinal)));

    /// <summary>Keys in the map's own order (a deployment's selector as it was asked for).</summary>
    public static string Write(IReadOnlyDictionary<string, string> map) =>
        JsonSerializer.Serialize(new Dictionary<string, string>(map), StringMapJsonContext.Default.DictionaryStringString);

    /// <summary>The map a column holds; empty for null, empty or unreadable text (a row the hub did not write), so one bad row fails no page.</summary>
    public static Dictionary<string, string> Read(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return [];
        }
        try
        {
            return JsonSerializer.Deserialize(json, StringMapJsonContext.Default.DictionaryStringString) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}

[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class StringMapJsonContext : JsonSerializerContext;

namespace EdgeAi.Testing;

/// <summary>Configuration for the hosts the kit starts, as key/value pairs (keys as in appsettings.json: Section:Key).</summary>
internal static class HostSettings
{
    /// <summary>Layers merged in order, later ones winning (configuration keys are case-insensitive); null layers are skipped.</summary>
    public static Dictionary<string, string?> Merge(params IEnumerable<KeyValuePair<string, string?>>?[] layers)
    {
        var merged = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var layer in layers)
        {
            foreach (var (key, value) in layer ?? [])
            {
                merged[key] = value;
            }
        }
        return merged;
    }

    /// <summary>The same settings as the environment variables our executables read (EDGEAI_Section__Key).</summary>
    public static IEnumerable<KeyValuePair<string, string>> AsEnvironment(IEnumerable<KeyValuePair<string, string?>> settings) =>
        settings.Select(kv => KeyValuePair.Create("EDGEAI_" + kv.Key.Replace(":", "__", StringComparison.Ordinal), kv.Value ?? string.Empty));
}

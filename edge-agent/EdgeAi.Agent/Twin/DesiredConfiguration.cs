using Microsoft.Extensions.Primitives;

namespace EdgeAi.Agent.Twin;

/// <summary>
/// The configuration layer the hub's desired state feeds (twin config and per-model routing
/// policies). It is added last, above appsettings.json, identity, environment and command line, so
/// the fleet's decision wins for the few keys it may set (<see cref="LiveConfig"/>); everything
/// else (ports, data directory, hub address, keys) it can never touch. Values are replaced whole
/// and the reload token fires, so options monitors pick them up without a restart.
/// </summary>
internal sealed class DesiredConfiguration : ConfigurationProvider, IConfigurationSource
{
    /// <summary>What is applied now (validated), keyed case-insensitively like all configuration.</summary>
    public IReadOnlyDictionary<string, string?> Values => (IReadOnlyDictionary<string, string?>)Data;

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

    /// <summary>Replaces every value at once; true when something changed.</summary>
    public bool Replace(IReadOnlyDictionary<string, string?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var current = Data;
        if (current.Count == values.Count && values.All(kv => current.TryGetValue(kv.Key, out var v) && v == kv.Value))
        {
            return false;
        }
        // A new dictionary, never mutated after: readers on other threads see the old or the new one whole.
        Data = new Dictionary<string, string?>(values, StringComparer.OrdinalIgnoreCase);
        OnReload();
        return true;
    }
}

/// <summary>
/// The agent's configuration as it would be without the desired layer: every other provider, latest
/// first. The twin check binds candidate values on top of it, so removing a desired key is judged
/// against the local value it falls back to.
/// </summary>
internal sealed class LocalConfigurationView : IConfigurationProvider, IConfigurationSource
{
    private readonly IReadOnlyList<IConfigurationProvider> _providers;

    public LocalConfigurationView(IReadOnlyList<IConfigurationProvider> providers) => _providers = providers;

    public bool TryGet(string key, out string? value)
    {
        for (var i = _providers.Count - 1; i >= 0; i--)
        {
            if (_providers[i].TryGet(key, out value))
            {
                return true;
            }
        }
        value = null;
        return false;
    }

    public IEnumerable<string> GetChildKeys(IEnumerable<string> earlierKeys, string? parentPath) =>
        _providers.Aggregate(earlierKeys, (keys, provider) => provider.GetChildKeys(keys, parentPath));

    public IChangeToken GetReloadToken() => new CancellationChangeToken(CancellationToken.None);

    public void Load()
    {
    }

    public void Set(string key, string? value)
    {
    }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;
}

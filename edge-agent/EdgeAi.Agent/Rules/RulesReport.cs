using EdgeAi.Agent.SyncDown;
using EdgeAi.Common.Sync;

namespace EdgeAi.Agent.Rules;

/// <summary>
/// The rules in the reported state: each rule on or off and why (<c>ReportedState.rules</c>), and the Rules:* keys
/// in effect in its <c>config</c> map, under the keys the twin sets, so the hub sees which rule set the device runs.
/// </summary>
internal sealed class RulesReportSource(RuleEngine engine, IConfiguration configuration) : IReportedStateSource
{
    public void AddTo(ReportedState reported)
    {
        ArgumentNullException.ThrowIfNull(reported);
        foreach (var rule in engine.Rules)
        {
            reported.Rules.Add(new RuleReport { Name = rule.Name, State = rule.IsOn ? "on" : "off", Reason = rule.OffReason ?? "" });
        }
        foreach (var (key, value) in configuration.GetSection(RulesOptions.Section).AsEnumerable().Where(kv => kv.Value is not null).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            reported.Config[key] = key.EndsWith(":Url", StringComparison.OrdinalIgnoreCase) ? WithoutSecrets(value!) : value!;
        }
    }

    /// <summary>
    /// A webhook address as the hub may see it: user name, password, query and fragment are where services put
    /// their tokens, and the reported state is stored and shown on the dashboard, so they stay on the device.
    /// </summary>
    internal static string WithoutSecrets(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return "(not a URL)";
        }
        var hidden = uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0;
        var kept = uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
        return hidden ? kept + " (credentials, query and fragment not reported)" : kept;
    }
}

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
            reported.Config[key] = value!;
        }
    }
}

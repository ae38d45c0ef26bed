using EdgeAi.Agent.Gpio;
using EdgeAi.Agent.Twin;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Rules;

/// <summary>
/// Rules:* as live keys of the hub's twin: a candidate rule set (the local rules with the hub's keys over them)
/// is bound and checked as a whole by the same validator as at start, before any of it applies; a refused set
/// leaves the previous one running.
/// </summary>
internal sealed class RulesLiveSection(IOptions<GpioOptions> gpio) : ILiveConfigSection
{
    public string Prefix => RulesOptions.Section + ":";

    public string? Validate(IConfiguration candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var rules = new RulesOptions();
        candidate.GetSection(RulesOptions.Section).Bind(rules.Rules);
        var result = new RulesOptionsValidator(gpio).Validate(Options.DefaultName, rules);
        return result.Failed ? result.FailureMessage : null;
    }
}

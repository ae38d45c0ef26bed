using System.Globalization;

namespace EdgeAi.Agent.Rules;

/// <summary>What set a fire off: the kind (gpio, file, interval, command from the hub, local call), when (a <see cref="TimeProvider"/> timestamp), and the file or edge.</summary>
internal sealed record RuleTrigger(string Kind, long Timestamp, string? File = null, string? Detail = null)
{
    public const string Local = "local";

    public string Describe() => Detail ?? File ?? Kind;
}

/// <summary>How one trigger of a rule ended.</summary>
internal static class RuleOutcomes
{
    /// <summary>The condition held and the actions ran (some may have failed; see the action errors).</summary>
    public const string Fired = "fired";

    /// <summary>The condition did not hold: no action ran.</summary>
    public const string NotMatched = "not_matched";

    /// <summary>Not run: off, busy with the previous trigger, or inside the hold-off.</summary>
    public const string Skipped = "skipped";

    /// <summary>The input or the target failed: no action ran.</summary>
    public const string Failed = "failed";
}

/// <summary>One trigger's result, as REST, the CLI, webhooks and events show it.</summary>
internal sealed record RuleResult(
    string Rule,
    string Outcome,
    string? Reason,
    string Trigger,
    string? Target,
    string? Input,
    RuleVerdict? Verdict,
    double LatencyMs,
    double? InferenceMs,
    string? ServedBy,
    IReadOnlyList<string> ActionErrors,
    DateTimeOffset At)
{
    public string Summary => Outcome switch
    {
        RuleOutcomes.Fired or RuleOutcomes.NotMatched when Verdict is not null && Target is not null =>
            string.Create(CultureInfo.InvariantCulture, $"{Outcome}: {Verdict.Describe()} in {LatencyMs:0.###} ms"),
        RuleOutcomes.Fired => string.Create(CultureInfo.InvariantCulture, $"fired in {LatencyMs:0.###} ms"),
        _ => $"{Outcome}: {Reason}",
    };
}

/// <summary>
/// A rule of the set in effect: its options, whether it is on (and why not), its webhook senders, and what one
/// rule allows at a time: one fire running, none inside the hold-off after the last.
/// </summary>
internal sealed class Rule
{
    private int _busy;
    private long _lastFire = long.MinValue;
    private RuleResult? _last;

    public Rule(string name, RuleOptions options, string? offReason)
    {
        Name = name;
        Options = options;
        OffReason = offReason;
    }

    public string Name { get; }

    public RuleOptions Options { get; }

    /// <summary>Why the rule does not run (disabled, GPIO missing); null while it is on.</summary>
    public string? OffReason { get; }

    public bool IsOn => OffReason is null;

    /// <summary>Per action (by index): its webhook sender, for webhook actions.</summary>
    public Dictionary<int, WebhookSender> Webhooks { get; } = [];

    public RuleResult? Last => Volatile.Read(ref _last);

    /// <summary>Claims the rule for one fire; false while another runs.</summary>
    public bool TryBegin() => Interlocked.CompareExchange(ref _busy, 1, 0) == 0;

    public void End(RuleResult result, long fireTimestamp)
    {
        Volatile.Write(ref _last, result);
        if (result.Outcome == RuleOutcomes.Fired)
        {
            Interlocked.Exchange(ref _lastFire, fireTimestamp);
        }
        Volatile.Write(ref _busy, 0);
    }

    /// <summary>How much of the hold-off is left at <paramref name="timestamp"/> (zero when none).</summary>
    public TimeSpan HoldOffLeft(long timestamp, TimeProvider time)
    {
        var last = Interlocked.Read(ref _lastFire);
        if (last == long.MinValue || Options.HoldOff <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }
        var since = time.GetElapsedTime(last, timestamp);
        return since < Options.HoldOff ? Options.HoldOff - since : TimeSpan.Zero;
    }

    /// <summary>The trigger in words, for the REST view: "gpio motion", "file /cam/*.jpg", "interval 00:00:10", "command".</summary>
    public string DescribeTrigger() => Options.Trigger.Kind switch
    {
        RuleTriggerKinds.Gpio => $"gpio {Options.Trigger.Pin}",
        RuleTriggerKinds.File => $"file {Path.Combine(Options.Trigger.Directory ?? "", Options.Trigger.Pattern)}",
        RuleTriggerKinds.Interval => $"interval {Options.Trigger.Interval.ToString("c", CultureInfo.InvariantCulture)}",
        _ => Options.Trigger.Kind ?? "?",
    };

    public string DescribeCondition() => Options.Condition.Kind switch
    {
        RuleConditionKinds.Label => string.Create(CultureInfo.InvariantCulture, $"label {Options.Condition.Label} >= {Options.Condition.MinScore}"),
        RuleConditionKinds.AnyScore => string.Create(CultureInfo.InvariantCulture, $"any score >= {Options.Condition.Threshold}"),
        _ => "always",
    };

    public IReadOnlyList<string> DescribeActions() => [.. Options.Actions.Select(a => a.Kind switch
    {
        RuleActionKinds.GpioSet => $"gpio-set {a.Pin}={a.Value}",
        RuleActionKinds.GpioPulse => a.PulseLength is { } length ? $"gpio-pulse {a.Pin} {length.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms" : $"gpio-pulse {a.Pin}",
        RuleActionKinds.Webhook => $"webhook {a.Url}",
        _ => a.Kind ?? "?",
    })];
}

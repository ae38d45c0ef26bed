using System.Globalization;
using EdgeAi.Agent.Gpio;
using EdgeAi.Serving.Store;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Rules;

/// <summary>
/// Checks a whole rule set against the device's GPIO configuration, each message naming the setting: kinds,
/// pins (a trigger needs a configured input, an action a configured output no indicator owns), durations,
/// addresses, what each kind needs. The same check runs at start and on every set the hub sends, before it
/// applies. A target that is not served (yet) is not an error: the model may arrive later, so the engine warns.
/// </summary>
internal sealed class RulesOptionsValidator(IOptions<GpioOptions> gpio) : IValidateOptions<RulesOptions>
{
    private static readonly TimeSpan MaxHoldOff = TimeSpan.FromDays(1);
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(10);

    public ValidateOptionsResult Validate(string? name, RulesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Rules.SelectMany(r => Problems(r.Key, r.Value, gpio.Value)).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    public static IEnumerable<string> Problems(string name, RuleOptions rule, GpioOptions gpio)
    {
        var key = $"{RulesOptions.Section}:{name}";
        if (!GpioValidation.IsValidName(name))
        {
            yield return $"{key}: the rule name must be 1-64 letters, digits, '.', '_' or '-'.";
        }
        foreach (var problem in Trigger($"{key}:Trigger", rule.Trigger, gpio))
        {
            yield return problem;
        }
        foreach (var problem in Input($"{key}:Input", rule))
        {
            yield return problem;
        }
        var hasTarget = !string.IsNullOrWhiteSpace(rule.Target);
        if (hasTarget && !ModelStore.IsValidName(rule.Target!))
        {
            yield return $"{key}:Target '{rule.Target}' is not a model or pipeline name (letters, digits, '.', '_', '-').";
        }
        if (hasTarget && rule.Input.Kind == RuleInputKinds.None)
        {
            yield return $"{key}:Input:Kind is none, but Target '{rule.Target}' needs an input: trigger-file, newest-file or capture.";
        }
        foreach (var problem in Condition($"{key}:Condition", rule.Condition, hasTarget))
        {
            yield return problem;
        }
        if (rule.Actions.Count == 0)
        {
            yield return $"{key}:Actions is empty: give at least one action (gpio-set, gpio-pulse, event or webhook).";
        }
        for (var i = 0; i < rule.Actions.Count; i++)
        {
            foreach (var problem in Action($"{key}:Actions:{i}", rule.Actions[i], gpio))
            {
                yield return problem;
            }
        }
        if (Outside(rule.HoldOff, TimeSpan.Zero, MaxHoldOff))
        {
            yield return $"{key}:HoldOff {rule.HoldOff} must be between 0 and {Text(MaxHoldOff)}.";
        }
        if (Outside(rule.Timeout, TimeSpan.FromMilliseconds(1), MaxTimeout))
        {
            yield return $"{key}:Timeout {rule.Timeout} must be between 00:00:00.001 and {Text(MaxTimeout)}.";
        }
    }

    private static IEnumerable<string> Trigger(string key, RuleTriggerOptions trigger, GpioOptions gpio)
    {
        switch (trigger.Kind)
        {
            case RuleTriggerKinds.Gpio:
                if (GpioValidation.InputPinProblem(gpio, $"{key}:Pin", trigger.Pin) is { } pin)
                {
                    yield return pin;
                }
                break;
            case RuleTriggerKinds.File:
                if (DirectoryProblem($"{key}:Directory", trigger.Directory) is { } directory)
                {
                    yield return directory;
                }
                if (PatternProblem($"{key}:Pattern", trigger.Pattern) is { } pattern)
                {
                    yield return pattern;
                }
                if (Outside(trigger.Settle, TimeSpan.Zero, TimeSpan.FromMinutes(1)))
                {
                    yield return $"{key}:Settle {trigger.Settle} must be between 0 and 00:01:00.";
                }
                break;
            case RuleTriggerKinds.Interval:
                if (Outside(trigger.Interval, TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(1)))
                {
                    yield return $"{key}:Interval {trigger.Interval} must be between 00:00:00.100 and 1.00:00:00.";
                }
                break;
            case RuleTriggerKinds.Command:
                break;
            default:
                yield return $"{key}:Kind '{trigger.Kind}' is unknown; expected one of {string.Join(", ", RuleTriggerKinds.All)}.";
                break;
        }
    }

    private static IEnumerable<string> Input(string key, RuleOptions rule)
    {
        var input = rule.Input;
        switch (input.Kind)
        {
            case RuleInputKinds.None:
                break;
            case RuleInputKinds.TriggerFile:
                if (rule.Trigger.Kind != RuleTriggerKinds.File)
                {
                    yield return $"{key}:Kind trigger-file needs a file trigger (Trigger:Kind is '{rule.Trigger.Kind}'); use newest-file or capture.";
                }
                break;
            case RuleInputKinds.NewestFile:
                if (DirectoryProblem($"{key}:Directory", input.Directory) is { } directory)
                {
                    yield return directory;
                }
                if (PatternProblem($"{key}:Pattern", input.Pattern) is { } pattern)
                {
                    yield return pattern;
                }
                break;
            case RuleInputKinds.Capture:
                if (string.IsNullOrWhiteSpace(input.Command))
                {
                    yield return $"{key}:Command is missing: the executable that writes the input (run directly, not through a shell).";
                }
                if (string.IsNullOrWhiteSpace(input.OutputFile) || !Path.IsPathFullyQualified(input.OutputFile))
                {
                    yield return $"{key}:OutputFile '{input.OutputFile}' must be an absolute path: the file the command writes.";
                }
                if (Outside(input.Timeout, TimeSpan.FromMilliseconds(1), MaxTimeout))
                {
                    yield return $"{key}:Timeout {input.Timeout} must be between 00:00:00.001 and {Text(MaxTimeout)}.";
                }
                break;
            default:
                yield return $"{key}:Kind '{input.Kind}' is unknown; expected one of {string.Join(", ", RuleInputKinds.All)}.";
                break;
        }
    }

    private static IEnumerable<string> Condition(string key, RuleConditionOptions condition, bool hasTarget)
    {
        if (!RuleConditionKinds.All.Contains(condition.Kind, StringComparer.Ordinal))
        {
            yield return $"{key}:Kind '{condition.Kind}' is unknown; expected one of {string.Join(", ", RuleConditionKinds.All)}.";
            yield break;
        }
        if (condition.Kind != RuleConditionKinds.Always && !hasTarget)
        {
            yield return $"{key}:Kind {condition.Kind} judges a result, but the rule has no Target.";
        }
        if (condition.Kind == RuleConditionKinds.Label && string.IsNullOrWhiteSpace(condition.Label))
        {
            yield return $"{key}:Label is missing: the label (or class index) the result must hold.";
        }
        if (condition.Kind == RuleConditionKinds.Label && !double.IsFinite(condition.MinScore))
        {
            yield return $"{key}:MinScore {condition.MinScore} must be a finite number.";
        }
        if (condition.Kind == RuleConditionKinds.AnyScore && !double.IsFinite(condition.Threshold))
        {
            yield return $"{key}:Threshold {condition.Threshold} must be a finite number.";
        }
    }

    private static IEnumerable<string> Action(string key, RuleActionOptions action, GpioOptions gpio)
    {
        switch (action.Kind)
        {
            case RuleActionKinds.GpioSet or RuleActionKinds.GpioPulse:
                if (GpioValidation.OutputPinProblem(gpio, $"{key}:Pin", action.Pin, "a rule action") is { } pin)
                {
                    yield return pin;
                }
                else if (gpio.Indicators.FirstOrDefault(i => string.Equals(i.Value.Pin, action.Pin, StringComparison.OrdinalIgnoreCase)) is { Key: { } indicator })
                {
                    yield return $"{key}:Pin '{action.Pin}' is driven by the indicator Gpio:Indicators:{indicator}; a rule cannot write it.";
                }
                if (action.Kind == RuleActionKinds.GpioSet && !PinLevels.TryParse(action.Value, out _))
                {
                    yield return $"{key}:Value '{action.Value}' is not a pin value; expected 0 or 1 (low/high, off/on, false/true).";
                }
                if (action.Kind == RuleActionKinds.GpioPulse && action.PulseLength is { } length && Outside(length, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)))
                {
                    yield return $"{key}:PulseLength {length} must be between 00:00:00.001 and 01:00:00.";
                }
                break;
            case RuleActionKinds.Event:
                if (action.Severity is not ("info" or "warning" or "error"))
                {
                    yield return $"{key}:Severity '{action.Severity}' is unknown; expected info, warning or error.";
                }
                break;
            case RuleActionKinds.Webhook:
                if (!Uri.TryCreate(action.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                {
                    yield return $"{key}:Url '{action.Url}' must be an absolute http:// or https:// address.";
                }
                if (Outside(action.AttemptTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(5)))
                {
                    yield return $"{key}:AttemptTimeout {action.AttemptTimeout} must be between 00:00:00.001 and 00:05:00.";
                }
                if (action.MaxRetries is < 0 or > 20)
                {
                    yield return $"{key}:MaxRetries {action.MaxRetries} must be between 0 and 20.";
                }
                if (Outside(action.RetryDelay, TimeSpan.Zero, TimeSpan.FromMinutes(10)))
                {
                    yield return $"{key}:RetryDelay {action.RetryDelay} must be between 0 and 00:10:00.";
                }
                if (action.QueueCapacity is < 1 or > 100_000)
                {
                    yield return $"{key}:QueueCapacity {action.QueueCapacity} must be between 1 and 100000.";
                }
                break;
            default:
                yield return $"{key}:Kind '{action.Kind}' is unknown; expected one of {string.Join(", ", RuleActionKinds.All)}.";
                break;
        }
    }

    private static string? DirectoryProblem(string key, string? directory) =>
        string.IsNullOrWhiteSpace(directory) || !Path.IsPathFullyQualified(directory)
            ? $"{key} '{directory}' must be an absolute path."
            : null;

    private static string? PatternProblem(string key, string? pattern) =>
        string.IsNullOrWhiteSpace(pattern) || pattern.IndexOfAny(['/', '\\']) >= 0
            ? $"{key} '{pattern}' must be a file-name glob (*, ?), without directories, e.g. *.jpg."
            : null;

    private static bool Outside(TimeSpan value, TimeSpan min, TimeSpan max) => value < min || value > max;

    private static string Text(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}

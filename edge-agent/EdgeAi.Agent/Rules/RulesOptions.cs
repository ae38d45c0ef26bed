namespace EdgeAi.Agent.Rules;

/// <summary>
/// The rules, by name (<c>Rules:{name}:…</c>): from appsettings.json and, live, from the hub's twin (Rules:* are
/// live keys). Each is trigger → input → target (a pipeline or a model, or none) → condition → actions.
/// </summary>
internal sealed class RulesOptions
{
    public const string Section = "Rules";

    public Dictionary<string, RuleOptions> Rules { get; } = new(StringComparer.OrdinalIgnoreCase);
}

internal sealed class RuleOptions
{
    /// <summary>false keeps the rule configured but never fired.</summary>
    public bool Enabled { get; set; } = true;

    public RuleTriggerOptions Trigger { get; set; } = new();

    public RuleInputOptions Input { get; set; } = new();

    /// <summary>A pipeline or model served by this agent (through the same backend as its endpoints), or empty for none.</summary>
    public string? Target { get; set; }

    public RuleConditionOptions Condition { get; set; } = new();

    public IList<RuleActionOptions> Actions { get; } = new List<RuleActionOptions>();

    /// <summary>After a fire, triggers within this time are skipped (counted as hold_off). A local call fires regardless.</summary>
    public TimeSpan HoldOff { get; set; }

    /// <summary>The longest the input and the inference of one fire may take together.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

internal sealed class RuleTriggerOptions
{
    /// <summary>gpio, file, interval or command (no trigger of its own: fired by the hub's fire_rule command or the local call).</summary>
    public string? Kind { get; set; }

    /// <summary>gpio: an input pin of Gpio:Pins (its Edge, Debounce and HoldOff apply).</summary>
    public string? Pin { get; set; }

    /// <summary>file: the directory watched for new files.</summary>
    public string? Directory { get; set; }

    /// <summary>file: which new files trigger (a glob on the file name: *, ?).</summary>
    public string Pattern { get; set; } = "*";

    /// <summary>file: a new file triggers once its size has stopped changing for this long (a camera still writing it).</summary>
    public TimeSpan Settle { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>interval: how often the rule fires.</summary>
    public TimeSpan Interval { get; set; }
}

internal sealed class RuleInputOptions
{
    /// <summary>none, trigger-file (the file that triggered a file rule), newest-file, or capture (run a command that writes a file).</summary>
    public string Kind { get; set; } = RuleInputKinds.None;

    /// <summary>newest-file: where to look.</summary>
    public string? Directory { get; set; }

    /// <summary>newest-file: which files count (a glob on the file name).</summary>
    public string Pattern { get; set; } = "*";

    /// <summary>capture: the executable (run directly, no shell).</summary>
    public string? Command { get; set; }

    /// <summary>capture: its arguments, one per entry; {output} is replaced by OutputFile.</summary>
    public IList<string> Arguments { get; } = new List<string>();

    /// <summary>capture: the file the command writes, read as the input once it exits 0.</summary>
    public string? OutputFile { get; set; }

    /// <summary>capture: the command is killed past this.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

internal sealed class RuleConditionOptions
{
    /// <summary>always, label (Label with at least MinScore) or any-score (any score at least Threshold).</summary>
    public string Kind { get; set; } = RuleConditionKinds.Always;

    /// <summary>label: the label (or, for a model without labels, the class index) that must be in the result.</summary>
    public string? Label { get; set; }

    public double MinScore { get; set; } = 0.5;

    public double Threshold { get; set; } = 0.5;
}

internal sealed class RuleActionOptions
{
    /// <summary>gpio-set, gpio-pulse, event (rule_fired into the outbox) or webhook.</summary>
    public string? Kind { get; set; }

    /// <summary>gpio-set, gpio-pulse: an output pin of Gpio:Pins.</summary>
    public string? Pin { get; set; }

    /// <summary>gpio-set: the logical value (0/1, low/high, off/on, false/true).</summary>
    public string? Value { get; set; }

    /// <summary>gpio-pulse: how long (default: the pin's PulseLength).</summary>
    public TimeSpan? PulseLength { get; set; }

    /// <summary>event: info, warning or error.</summary>
    public string Severity { get; set; } = "info";

    /// <summary>webhook: the http:// or https:// address the result is POSTed to as JSON.</summary>
    public string? Url { get; set; }

    /// <summary>webhook: one attempt.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>webhook: retries after a failed attempt (exponential backoff with jitter from RetryDelay).</summary>
    public int MaxRetries { get; set; } = 3;

    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>webhook: deliveries waiting; when full, new ones are dropped and counted (the rule never waits).</summary>
    public int QueueCapacity { get; set; } = 100;
}

internal static class RuleTriggerKinds
{
    public const string Gpio = "gpio";
    public const string File = "file";
    public const string Interval = "interval";
    public const string Command = "command";

    public static readonly IReadOnlyList<string> All = [Gpio, File, Interval, Command];
}

internal static class RuleInputKinds
{
    public const string None = "none";
    public const string TriggerFile = "trigger-file";
    public const string NewestFile = "newest-file";
    public const string Capture = "capture";

    public static readonly IReadOnlyList<string> All = [None, TriggerFile, NewestFile, Capture];
}

internal static class RuleConditionKinds
{
    public const string Always = "always";
    public const string Label = "label";
    public const string AnyScore = "any-score";

    public static readonly IReadOnlyList<string> All = [Always, Label, AnyScore];
}

internal static class RuleActionKinds
{
    public const string GpioSet = "gpio-set";
    public const string GpioPulse = "gpio-pulse";
    public const string Event = "event";
    public const string Webhook = "webhook";

    public static readonly IReadOnlyList<string> All = [GpioSet, GpioPulse, Event, Webhook];

    public static bool UsesGpio(string? kind) => kind is GpioSet or GpioPulse;
}

using System.Collections.Concurrent;
using EdgeAi.Agent.Gpio;
using EdgeAi.Agent.SyncDown;
using EdgeAi.Common.Sync;
using EdgeAi.Serving;
using EdgeAi.Serving.Hosting;
using EdgeAi.Serving.Store;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Rules;

/// <summary>
/// Keeps the rule set in effect: built from the Rules section at start and again whenever it changes (the
/// hub's twin sets Rules:* live, validated before they apply), the new set started before the old one stops.
/// Triggers hand fires off at once (a GPIO edge never waits on an inference); each rule runs one fire at a
/// time and skips triggers inside its hold-off. Rules that need GPIO where it is disabled are off, with the
/// reason. Also fires rules on request: the local REST call and the hub's <c>fire_rule</c> command.
/// </summary>
internal sealed class RuleEngine(
    IOptionsMonitor<RulesOptions> options, IConfiguration configuration, GpioService gpio, GpioEdgePump edges, RuleRunner runner, RuleMetrics metrics,
    IHttpClientFactory httpClients, IInferenceBackend backend, ModelLoader models, TimeProvider time, LoopSupervisor supervisor, ILogger<RuleEngine> logger)
    : IHostedService, IDeviceCommandHandler, IDisposable
{
    /// <summary>The hub's command that fires a rule: <c>Command.name</c>, with the rule in <c>arguments["rule"]</c>.</summary>
    public const string FireCommand = "fire_rule";

    public const string HttpClientName = "edgeai-rules";

    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private RuleSet _set = new([]);
    private string? _fingerprint;
    private IDisposable? _changes;

    public IReadOnlyList<Rule> Rules => Volatile.Read(ref _set).Rules;

    public Rule? Find(string name) => Rules.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Apply(options.CurrentValue, "at start");
        _changes = options.OnChange(_ => Reload());
        return Task.CompletedTask;
    }

    private void Reload()
    {
        try
        {
            Apply(options.CurrentValue, "changed live");
        }
        catch (OptionsValidationException e)
        {
            // The twin validates before it applies; this is only a safety net, so a bad set never stops the agent.
            RulesLog.NotApplied(logger, e.Message);
        }
    }

    /// <summary>Builds and starts the rules of <paramref name="rules"/>, then stops the set they replace. Unchanged configuration changes nothing.</summary>
    private void Apply(RulesOptions rules, string source)
    {
        lock (_gate)
        {
            var fingerprint = Fingerprint();
            if (fingerprint == _fingerprint)
            {
                return;
            }
            var next = Build(rules);
            var previous = _set;
            Volatile.Write(ref _set, next);
            _fingerprint = fingerprint;
            previous.Stop();
            RulesLog.Applied(logger, next.Rules.Count(r => r.IsOn), next.Rules.Count(r => !r.IsOn), source);
            Track(Task.Run(() => WarnUnknownTargetsAsync(next)));
        }
    }

    private RuleSet Build(RulesOptions rules)
    {
        var set = new RuleSet([.. rules.Rules.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new Rule(r.Key, r.Value, OffReason(r.Key, r.Value)))]);
        foreach (var rule in set.Rules)
        {
            if (!rule.IsOn)
            {
                RulesLog.RuleOff(logger, rule.Name, rule.OffReason!);
                continue;
            }
            Start(set, rule);
        }
        return set;
    }

    private void Start(RuleSet set, Rule rule)
    {
        var stopping = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, set.Stopping.Token);
        set.Owned.Add(stopping);
        for (var i = 0; i < rule.Options.Actions.Count; i++)
        {
            if (rule.Options.Actions[i].Kind == RuleActionKinds.Webhook)
            {
                var http = httpClients.CreateClient(HttpClientName);
                var sender = new WebhookSender(rule.Name, rule.Options.Actions[i], http, time, metrics, reason => runner.WebhookFailed(rule.Name, reason));
                rule.Webhooks[i] = sender;
                // Deliveries already queued are still sent after the set is replaced; only stopping the agent ends them.
                Track(supervisor.RunAsync($"rule:{rule.Name}:webhook:{i}", sender.RunAsync, _stopping.Token));
            }
        }
        var trigger = rule.Options.Trigger;
        switch (trigger.Kind)
        {
            case RuleTriggerKinds.Gpio:
                set.Owned.Add(edges.Subscribe(trigger.Pin!, edge =>
                    Trigger(rule, new RuleTrigger(RuleTriggerKinds.Gpio, edge.Timestamp, Detail: $"gpio {edge.Pin.Name}={PinLevels.Text(edge.Value)}"))));
                break;
            case RuleTriggerKinds.File:
                var files = new FileTrigger(rule.Name, trigger, time, logger, path => Trigger(rule, new RuleTrigger(RuleTriggerKinds.File, time.GetTimestamp(), File: path)));
                Track(supervisor.RunAsync($"rule:{rule.Name}:files", files.RunAsync, stopping.Token));
                break;
            case RuleTriggerKinds.Interval:
                Track(supervisor.RunAsync($"rule:{rule.Name}:interval", token => IntervalAsync(rule, token), stopping.Token));
                break;
        }
    }

    private string? OffReason(string name, RuleOptions rule)
    {
        if (!rule.Enabled)
        {
            return $"disabled (Rules:{name}:Enabled is false)";
        }
        var needsGpio = rule.Trigger.Kind == RuleTriggerKinds.Gpio || rule.Actions.Any(a => RuleActionKinds.UsesGpio(a.Kind));
        var status = gpio.Status;
        return needsGpio && !status.IsEnabled
            ? status.State == GpioStatus.Off ? $"it needs GPIO, which is off ({status.Reason})" : $"it needs GPIO, which is disabled: {status.Reason}"
            : null;
    }

    private async Task IntervalAsync(Rule rule, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(rule.Options.Trigger.Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            Trigger(rule, new RuleTrigger(RuleTriggerKinds.Interval, time.GetTimestamp()));
        }
    }

    /// <summary>A trigger: the fire is handed off at once (the caller may be the GPIO edge pump).</summary>
    public void Trigger(Rule rule, RuleTrigger trigger)
    {
        if (Begin(rule, trigger, holdOff: true) is null)
        {
            Run(rule, trigger);
        }
    }

    /// <summary>Fires <paramref name="rule"/> now, inside its hold-off too (a person testing it), and waits for the result; null for an unknown rule.</summary>
    public async Task<RuleResult?> FireAsync(string name, CancellationToken cancellationToken)
    {
        if (Find(name) is not { } rule)
        {
            return null;
        }
        var trigger = new RuleTrigger(RuleTrigger.Local, time.GetTimestamp());
        return Begin(rule, trigger, holdOff: false) ?? await Run(rule, trigger).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public string? Handle(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Name != FireCommand)
        {
            return null;
        }
        if (!command.Arguments.TryGetValue("rule", out var name) || Find(name) is not { } rule)
        {
            var rules = Rules.Count == 0 ? "this device has no rules" : "rules: " + string.Join(", ", Rules.Select(r => r.Name));
            return $"no rule '{name}' to fire ({rules})";
        }
        var trigger = new RuleTrigger(RuleTriggerKinds.Command, time.GetTimestamp(), Detail: $"command {command.Id}");
        if (Begin(rule, trigger, holdOff: true) is { } skipped)
        {
            return $"rule '{rule.Name}' not fired: {skipped.Reason}";
        }
        RulesLog.CommandFire(logger, rule.Name, command.Id);
        Run(rule, trigger);
        return $"firing rule '{rule.Name}'";
    }

    /// <summary>Null when the rule may run now (and is claimed); else the skip, counted.</summary>
    private RuleResult? Begin(Rule rule, RuleTrigger trigger, bool holdOff)
    {
        if (!rule.IsOn)
        {
            return Skip(rule, trigger, RuleMetrics.SkipOff, $"rule '{rule.Name}' is off: {rule.OffReason}");
        }
        if (holdOff && rule.HoldOffLeft(trigger.Timestamp, time) is var left && left > TimeSpan.Zero)
        {
            return Skip(rule, trigger, RuleMetrics.SkipHoldOff, $"inside the rule's hold-off ({left.TotalMilliseconds:0} ms left of {rule.Options.HoldOff})");
        }
        return rule.TryBegin() ? null : Skip(rule, trigger, RuleMetrics.SkipBusy, "the previous trigger is still being handled");
    }

    private RuleResult Skip(Rule rule, RuleTrigger trigger, string reason, string detail)
    {
        metrics.Skipped(rule.Name, reason);
        return new RuleResult(rule.Name, RuleOutcomes.Skipped, detail, trigger.Describe(), rule.Options.Target, null, null,
            time.GetElapsedTime(trigger.Timestamp).TotalMilliseconds, null, null, [], time.GetUtcNow());
    }

    /// <summary>Runs a claimed rule on the thread pool and releases it with its result; the task never faults.</summary>
    private Task<RuleResult> Run(Rule rule, RuleTrigger trigger)
    {
        var fire = Task.Run(async () =>
        {
            RuleResult result;
            try
            {
                result = await runner.RunAsync(rule, trigger, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                result = Ended(rule, trigger, "the agent is stopping");
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A defect, not a rule's failure: logged as an error, and the rule stays usable.
                RulesLog.Unexpected(logger, e, rule.Name);
                metrics.Failed(rule.Name, "internal");
                result = Ended(rule, trigger, $"unexpected error: {e.GetType().Name}: {e.Message}");
            }
            rule.End(result, trigger.Timestamp);
            return result;
        });
        Track(fire);
        return fire;
    }

    private RuleResult Ended(Rule rule, RuleTrigger trigger, string reason) =>
        new(rule.Name, RuleOutcomes.Failed, reason, trigger.Describe(), rule.Options.Target, null, null,
            time.GetElapsedTime(trigger.Timestamp).TotalMilliseconds, null, null, [], time.GetUtcNow());

    private async Task WarnUnknownTargetsAsync(RuleSet set)
    {
        try
        {
            // At start the rules begin before the models have loaded: asked then, every model target is "not served".
            await models.InitialLoad.WaitAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        foreach (var rule in set.Rules.Where(r => r.IsOn && !string.IsNullOrEmpty(r.Options.Target)))
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            try
            {
                await backend.GetModelMetadataAsync(rule.Options.Target!, null, timeout.Token).ConfigureAwait(false);
            }
            catch (InferenceException e) when (e.Error == InferenceError.NotFound)
            {
                RulesLog.TargetUnknown(logger, rule.Name, rule.Options.Target!, e.Message);
            }
            catch (Exception e) when (e is InferenceException or OperationCanceledException)
            {
                // Unavailable or slow now: whether it exists cannot be told, and the fire will say.
            }
        }
    }

    /// <summary>The rules' configuration as text: a change of anything else (telemetry, routing) leaves the rules running untouched.</summary>
    private string Fingerprint() =>
        string.Join('\n', configuration.GetSection(RulesOptions.Section).AsEnumerable()
            .Where(kv => kv.Value is not null)
            .Select(kv => $"{kv.Key.ToUpperInvariant()}={kv.Value}")
            .Order(StringComparer.Ordinal));

    private void Track(Task task)
    {
        _running.TryAdd(task, 0);
        task.ContinueWith(t => _running.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _changes?.Dispose();
        lock (_gate)
        {
            _set.Stop();
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_running.Keys).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
        {
            // Stopping: what was cancelled ended as it should; the host's own timeout ends the wait.
        }
    }

    public void Dispose()
    {
        _changes?.Dispose();
        _set.Stop();
        _stopping.Dispose();
    }

    /// <summary>One rule set and what it started: subscriptions, and the cancellation of its trigger loops.</summary>
    private sealed class RuleSet(IReadOnlyList<Rule> rules)
    {
        public IReadOnlyList<Rule> Rules { get; } = rules;

        public CancellationTokenSource Stopping { get; } = new();

        public List<IDisposable> Owned { get; } = [];

        public void Stop()
        {
            if (Stopping.IsCancellationRequested)
            {
                return;
            }
            Stopping.Cancel();
            foreach (var owned in Owned)
            {
                owned.Dispose();
            }
            foreach (var sender in Rules.SelectMany(r => r.Webhooks.Values))
            {
                sender.Complete();
            }
        }
    }
}

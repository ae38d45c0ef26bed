using System.Globalization;
using System.Text.Json;
using EdgeAi.Agent.Gpio;
using EdgeAi.Agent.Hosting;
using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.Tracing;
using EdgeAi.Common.Inference;
using EdgeAi.Serving;
using EdgeAi.Serving.Protocol;
using EdgeAi.Serving.Runtime;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Rules;

/// <summary>
/// Runs one fire of a rule: input, target (through the agent's <see cref="IInferenceBackend"/>, the object the
/// gRPC and REST endpoints serve, so a pipeline and a model are called alike and routing applies), condition,
/// then the actions in order. GPIO writes and webhook hand-offs come first and the latency is taken after them
/// (trigger → last of them); the rule_fired events are written last, carrying it. A failing action is logged
/// and reported at most once a minute per rule and stage, counted every time, and never stops the other actions.
/// </summary>
internal sealed class RuleRunner(
    IInferenceBackend backend, GpioService gpio, EventReporter events, RuleMetrics metrics, IOptions<ModelHostOptions> host, IOptions<AgentOptions> agent,
    TimeProvider time, ILogger<RuleRunner> logger)
{
    private readonly LogLimiter _limiter = new(time, TimeSpan.FromMinutes(1));

    public async Task<RuleResult> RunAsync(Rule rule, RuleTrigger trigger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(trigger);
        // The run's span: its model call and the events it writes (their outbox records carry it to the hub) join it.
        using var activity = AgentActivities.StartRule(rule.Name);
        var options = rule.Options;
        string? input = null;
        ModelInferResponse? response = null;
        double? inferenceMs = null;
        var stage = RuleStageException.Input;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        try
        {
            input = await RuleInputs.ResolveAsync(options, trigger.File, timeout.Token).ConfigureAwait(false);
            if (options.Target is { Length: > 0 } target)
            {
                stage = RuleStageException.Target;
                var metadata = await backend.GetModelMetadataAsync(target, null, timeout.Token).ConfigureAwait(false);
                var request = RuleRequest.Build(rule.Name, target, metadata, input!, host.Value.MaxRequestBytes);
                var started = time.GetTimestamp();
                response = await backend.InferAsync(request, timeout.Token).ConfigureAwait(false);
                inferenceMs = time.GetElapsedTime(started).TotalMilliseconds;
            }
        }
        catch (RuleStageException e)
        {
            return Fail(rule, trigger, e.Stage, e.Message, input);
        }
        catch (InferenceException e)
        {
            return Fail(rule, trigger, RuleStageException.Target, $"target '{options.Target}' answered {e.GrpcStatus}: {e.Message}", input);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Fail(rule, trigger, stage, $"the {stage} did not finish within the rule's timeout ({options.Timeout})", input);
        }

        var verdict = RuleCondition.Evaluate(options.Condition, response);
        var servedBy = response?.Parameters.GetString(InferenceParameters.ServedBy);
        if (!verdict.Matched)
        {
            metrics.Skipped(rule.Name, RuleMetrics.SkipCondition);
            return new RuleResult(rule.Name, RuleOutcomes.NotMatched, $"the condition ({rule.DescribeCondition()}) did not hold", trigger.Describe(),
                options.Target, input, verdict, Elapsed(trigger), inferenceMs, servedBy, [], time.GetUtcNow());
        }

        var errors = new List<string>();
        for (var i = 0; i < options.Actions.Count; i++)
        {
            if (options.Actions[i].Kind != RuleActionKinds.Event)
            {
                Act(rule, i, options.Actions[i], errors, webhookBody: () => WebhookBody(rule, trigger, input, verdict, inferenceMs, servedBy));
            }
        }
        var latencyMs = Elapsed(trigger);
        var result = new RuleResult(rule.Name, RuleOutcomes.Fired, null, trigger.Describe(), options.Target, input, verdict, latencyMs, inferenceMs, servedBy, errors, time.GetUtcNow());
        foreach (var action in options.Actions.Where(a => a.Kind == RuleActionKinds.Event))
        {
            Report(result, action.Severity);
        }
        metrics.Fired(rule.Name, latencyMs);
        return result;
    }

    /// <summary>A failure of a webhook delivery, after its retries, reported like any failing action.</summary>
    public void WebhookFailed(string rule, string reason) => Failed(rule, RuleStageException.Action, $"webhook: {reason}");

    private void Act(Rule rule, int index, RuleActionOptions action, List<string> errors, Func<byte[]> webhookBody)
    {
        try
        {
            switch (action.Kind)
            {
                case RuleActionKinds.GpioSet:
                    gpio.Write(action.Pin!, PinLevels.TryParse(action.Value, out var value) && value);
                    break;
                case RuleActionKinds.GpioPulse:
                    gpio.Pulse(action.Pin!, action.PulseLength);
                    break;
                case RuleActionKinds.Webhook:
                    if (!rule.Webhooks[index].TryEnqueue(webhookBody()))
                    {
                        throw new RuleStageException(RuleStageException.Action, $"the webhook queue to {action.Url} is full ({action.QueueCapacity}); this delivery was dropped");
                    }
                    break;
            }
        }
        catch (Exception e) when (e is GpioException or RuleStageException or IOException or InvalidOperationException)
        {
            var error = $"action {index} ({action.Kind}): {e.Message}";
            errors.Add(error);
            Failed(rule.Name, RuleStageException.Action, error);
        }
    }

    private byte[] WebhookBody(Rule rule, RuleTrigger trigger, string? input, RuleVerdict verdict, double? inferenceMs, string? servedBy)
    {
        var result = new RuleResult(rule.Name, RuleOutcomes.Fired, null, trigger.Describe(), rule.Options.Target, input, verdict, Elapsed(trigger), inferenceMs, servedBy, [], time.GetUtcNow());
        return JsonSerializer.SerializeToUtf8Bytes(RuleResultView.From(result, agent.Value.DeviceId), RulesJson.Default.RuleResultView);
    }

    private void Report(RuleResult result, string severity)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["rule"] = result.Rule,
            ["trigger"] = result.Trigger,
            ["result"] = result.Verdict is { } v && result.Target is not null ? v.Describe() : "fired",
            ["latency_ms"] = result.LatencyMs.ToString("0.###", CultureInfo.InvariantCulture),
        };
        if (result.Target is { } target)
        {
            attributes["target"] = target;
        }
        if (result.Verdict?.Entry is { } entry)
        {
            attributes["label"] = entry.Label;
            attributes["score"] = entry.Score.ToString("0.####", CultureInfo.InvariantCulture);
        }
        if (result.InferenceMs is { } inference)
        {
            attributes["inference_ms"] = inference.ToString("0.###", CultureInfo.InvariantCulture);
        }
        if (result.ServedBy is { } servedBy)
        {
            attributes["served_by"] = servedBy;
        }
        if (result.Input is { } input)
        {
            attributes["input"] = input;
        }
        events.Report("rule_fired", severity, $"rule {result.Rule} fired ({result.Summary})", attributes);
    }

    private RuleResult Fail(Rule rule, RuleTrigger trigger, string stage, string reason, string? input)
    {
        Failed(rule.Name, stage, reason);
        return new RuleResult(rule.Name, RuleOutcomes.Failed, reason, trigger.Describe(), rule.Options.Target, input, null, Elapsed(trigger), null, null, [], time.GetUtcNow());
    }

    private void Failed(string rule, string stage, string reason)
    {
        metrics.Failed(rule, stage);
        if (!_limiter.ShouldReport($"{rule}\n{stage}", out var suppressed))
        {
            return;
        }
        RulesLog.Failed(logger, rule, stage, reason, suppressed);
        events.Report("rule_failed", EventReporter.Warning, $"rule {rule} failed at its {stage} stage: {reason}",
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["rule"] = rule,
                ["stage"] = stage,
                ["error"] = reason,
                ["suppressed"] = suppressed.ToString(CultureInfo.InvariantCulture),
            });
    }

    private double Elapsed(RuleTrigger trigger) => time.GetElapsedTime(trigger.Timestamp).TotalMilliseconds;
}

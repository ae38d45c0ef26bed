using System.CommandLine;
using System.Text.Json;

namespace EdgeAi.Agent.Cli;

/// <summary><c>edge-agent rules list|fire NAME</c>: a running agent's rules through its local REST routes (<c>/rules</c>).</summary>
internal static class RulesCommand
{
    public static Command Create() => new("rules", "Show a running agent's rules, and fire one to test it.") { List(), Fire() };

    private static Command List()
    {
        var url = LocalApiClient.UrlOption();
        var command = new Command("list", "Every rule: on or off (and why), trigger, target, condition, actions, counts and last result.") { url };
        command.SetAction((parse, cancellationToken) => LocalApiClient.RunAsync(parse, url, async (client, output, token) =>
        {
            var rules = await LocalApiClient.GetAsync(client, "rules", token).ConfigureAwait(false);
            if (rules.GetArrayLength() == 0)
            {
                await output.WriteLineAsync("no rules configured (Rules:*)").ConfigureAwait(false);
                return 0;
            }
            await output.WriteLineAsync($"{"NAME",-16} {"STATE",-5} {"TRIGGER",-24} {"TARGET",-16} {"CONDITION",-22} {"FIRES",6} {"SKIPS",6} {"FAILS",6}  ACTIONS")
                .ConfigureAwait(false);
            foreach (var rule in rules.EnumerateArray())
            {
                var target = LocalApiClient.Text(rule, "target");
                var actions = string.Join(", ", rule.GetProperty("actions").EnumerateArray().Select(a => a.GetString()));
                await output.WriteLineAsync(
                    $"{LocalApiClient.Text(rule, "name"),-16} {LocalApiClient.Text(rule, "state"),-5} {LocalApiClient.Text(rule, "trigger"),-24} {(target.Length == 0 ? "-" : target),-16} "
                    + $"{LocalApiClient.Text(rule, "condition"),-22} {LocalApiClient.Text(rule, "fires"),6} {LocalApiClient.Text(rule, "skips"),6} {LocalApiClient.Text(rule, "failures"),6}  {actions}")
                    .ConfigureAwait(false);
                if (LocalApiClient.Text(rule, "reason") is { Length: > 0 } reason)
                {
                    await output.WriteLineAsync($"  off: {reason}").ConfigureAwait(false);
                }
                if (rule.TryGetProperty("last", out var last) && last.ValueKind == JsonValueKind.Object)
                {
                    await output.WriteLineAsync($"  last: {Describe(last)}").ConfigureAwait(false);
                }
            }
            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command Fire()
    {
        var name = new Argument<string>("name") { Description = "The rule (Rules:{name})." };
        var url = LocalApiClient.UrlOption();
        var command = new Command("fire", "Fire a rule now (inside its hold-off too) and print the result and latency; exit code 1 when it failed.") { name, url };
        command.SetAction((parse, cancellationToken) => LocalApiClient.RunAsync(parse, url, async (client, output, token) =>
        {
            var result = await LocalApiClient.PostAsync(client, $"rules/{LocalApiClient.Segment(parse.GetRequiredValue(name))}/fire", token).ConfigureAwait(false);
            await output.WriteLineAsync(Describe(result)).ConfigureAwait(false);
            if (result.TryGetProperty("actionErrors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                foreach (var error in errors.EnumerateArray())
                {
                    await output.WriteLineAsync($"  action failed: {error.GetString()}").ConfigureAwait(false);
                }
            }
            return LocalApiClient.Text(result, "outcome") is "fired" or "not_matched" ? 0 : 1;
        }, cancellationToken));
        return command;
    }

    /// <summary>"rule door fired (label 2 0.93) in 12.4 ms, inference 10.1 ms by local" or "rule door failed: why".</summary>
    private static string Describe(JsonElement result)
    {
        var outcome = LocalApiClient.Text(result, "outcome");
        var text = $"rule {LocalApiClient.Text(result, "rule")} {outcome}";
        if (LocalApiClient.Text(result, "label") is { Length: > 0 } label)
        {
            text += $" (label {label} score {LocalApiClient.Text(result, "score")})";
        }
        if (LocalApiClient.Text(result, "reason") is { Length: > 0 } reason)
        {
            text += $": {reason}";
        }
        text += $" in {LocalApiClient.Text(result, "latencyMs")} ms";
        if (LocalApiClient.Text(result, "inferenceMs") is { Length: > 0 } inference)
        {
            text += $", inference {inference} ms";
        }
        if (LocalApiClient.Text(result, "servedBy") is { Length: > 0 } servedBy)
        {
            text += $" by {servedBy}";
        }
        return text;
    }
}

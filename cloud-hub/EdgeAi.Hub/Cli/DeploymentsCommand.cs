using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Deployments;

namespace EdgeAi.Hub.Cli;

/// <summary><c>cloud-hub deployments create|list|show|pause|resume|rollback</c>: rollouts of model versions to devices.</summary>
internal static class DeploymentsCommand
{
    public static Command Create()
    {
        var deployments = new Command("deployments", "Roll model versions out to devices, all at once or in waves with health gates.");
        deployments.WithConnection();
        deployments.Subcommands.Add(New());
        deployments.Subcommands.Add(List());
        deployments.Subcommands.Add(Show());
        deployments.Subcommands.Add(Act("pause", "Pause a running deployment (its health gate's clock stops too)."));
        deployments.Subcommands.Add(Act("resume", "Resume a paused deployment."));
        deployments.Subcommands.Add(Act("rollback", "Roll a deployment back: every device it moved goes back to its previous version."));
        return deployments;
    }

    private static Command New()
    {
        var model = new Option<string>("--model") { Description = "Registered model name.", Required = true };
        var version = new Option<string>("--version") { Description = "Registered version to roll out.", Required = true };
        var selector = new Option<string[]>("--selector")
        {
            Description = "Device tags to match, tag=value (repeat or comma-separate: site=lobby,kind=camera). None: every device.",
            AllowMultipleArgumentsPerToken = true,
        };
        var waves = new Option<string?>("--waves") { Description = "Cumulative percentages, e.g. 10,50,100 (implies --strategy waves)." };
        var strategy = new Option<string?>("--strategy") { Description = "all (default without --waves) or waves." };
        var timeout = new Option<string?>("--health-timeout") { Description = $"How long a wave may take to become healthy: {DurationSyntax.Forms} (default: the hub's, 10m)." };
        var policy = new Option<string?>("--routing-policy") { Description = "local-first (default), local-only, cloud-first or cloud-only." };
        var maxErrorRate = new Option<double?>("--max-error-rate") { Description = "Highest share of failed requests a wave may show (default 0.05)." };
        var minHealthy = new Option<double?>("--min-healthy-share") { Description = "Share of a wave's devices that must report the version active (default 1.0)." };
        var variant = new Option<string?>("--variant") { Description = "auto (default: fp16 on CUDA/DirectML devices, int8 on CPU-only ones, when the version has them; else fp32), fp32, int8 or fp16." };
        var create = new Command("create", "Deploy a model version to the devices a selector matches.")
        {
            model, version, selector, waves, strategy, timeout, policy, maxErrorRate, minHealthy, variant,
        };
        create.SetAction(async (parse, cancellationToken) =>
        {
            // Checked here too, so "--health-timeout 5" is named before anything is sent.
            if (parse.GetValue(timeout) is { } healthTimeout && !DurationSyntax.TryParse(healthTimeout, out _, out var timeoutError))
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"cloud-hub deployments create: --health-timeout {timeoutError}").ConfigureAwait(false);
                return 1;
            }
            return await AdminCommandRunner.RunAsync(parse, async (client, output, ct) =>
            {
                var request = new CreateDeploymentRequest(parse.GetRequiredValue(model), parse.GetRequiredValue(version), parse.GetValue(policy),
                    Selector(parse.GetValue(selector) ?? []), parse.GetValue(strategy), Waves(parse.GetValue(waves)), parse.GetValue(timeout),
                    parse.GetValue(maxErrorRate), parse.GetValue(minHealthy), parse.GetValue(variant));
                var body = JsonSerializer.Serialize(request, DeploymentJson.Default.CreateDeploymentRequest);
                var deployment = await ApiCalls.PostAsync(client, "/api/deployments", ApiCalls.Json(body), ct).ConfigureAwait(false);
                await WriteAsync(output, deployment, withTargets: false).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        });
        return create;
    }

    private static Command List()
    {
        var list = new Command("list", "List deployments, newest first.");
        list.SetAction((parse, cancellationToken) => AdminCommandRunner.RunAsync(parse, async (client, output, ct) =>
        {
            var all = await ApiCalls.GetAsync(client, "/api/deployments", ct).ConfigureAwait(false);
            if (all.GetArrayLength() == 0)
            {
                await output.WriteLineAsync("no deployments; create one with: cloud-hub deployments create --model NAME --version V").ConfigureAwait(false);
                return;
            }
            await output.WriteLineAsync($"{"ID",-5} {"MODEL",-20} {"VERSION",-10} {"STATE",-12} {"WAVE",-6} {"ACTIVE",-8} {"FAILED",-7} MESSAGE").ConfigureAwait(false);
            foreach (var d in all.EnumerateArray())
            {
                var devices = d.GetProperty("devices");
                var wave = $"{d.GetProperty("currentWave").GetInt32() + 1}/{d.GetProperty("waves").GetArrayLength()}";
                var active = $"{devices.GetProperty("active").GetInt32()}/{devices.GetProperty("total").GetInt32()}";
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{d.GetProperty("id").GetInt64(),-5} {d.GetProperty("model").GetString(),-20} {d.GetProperty("version").GetString(),-10} {d.GetProperty("state").GetString(),-12} {wave,-6} {active,-8} {devices.GetProperty("failed").GetInt32(),-7} {Text(d, "message")}"))
                    .ConfigureAwait(false);
            }
        }, cancellationToken));
        return list;
    }

    private static Command Show()
    {
        var id = Id();
        var show = new Command("show", "Show a deployment with per-wave progress and its devices.") { id };
        show.SetAction((parse, cancellationToken) => AdminCommandRunner.RunAsync(parse, async (client, output, ct) =>
        {
            var deployment = await ApiCalls.GetAsync(client, $"/api/deployments/{parse.GetRequiredValue(id)}", ct).ConfigureAwait(false);
            await WriteAsync(output, deployment, withTargets: true).ConfigureAwait(false);
        }, cancellationToken));
        return show;
    }

    private static Command Act(string verb, string description)
    {
        var id = Id();
        var command = new Command(verb, description) { id };
        command.SetAction((parse, cancellationToken) => AdminCommandRunner.RunAsync(parse, async (client, output, ct) =>
        {
            var deployment = await ApiCalls.PostAsync(client, $"/api/deployments/{parse.GetRequiredValue(id)}/{verb}", null, ct).ConfigureAwait(false);
            await WriteAsync(output, deployment, withTargets: false).ConfigureAwait(false);
        }, cancellationToken));
        return command;
    }

    private static async Task WriteAsync(TextWriter output, JsonElement d, bool withTargets)
    {
        var selector = string.Join(",", d.GetProperty("selector").EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}"));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"deployment {d.GetProperty("id").GetInt64()}: {d.GetProperty("model").GetString()} {d.GetProperty("version").GetString()} ({d.GetProperty("routingPolicy").GetString()}{(Text(d, "variant") is "auto" or "" ? "" : $", variant {Text(d, "variant")}")}) to {(selector.Length == 0 ? "every device" : selector)}: {d.GetProperty("state").GetString()}"))
            .ConfigureAwait(false);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"  {d.GetProperty("strategy").GetString()} {string.Join(",", d.GetProperty("waves").EnumerateArray().Select(w => w.GetInt32()))}%, health timeout {Text(d, "healthTimeout")}, max error rate {d.GetProperty("maxErrorRate").GetDouble() * 100:0.#}%, min healthy share {d.GetProperty("minHealthyShare").GetDouble() * 100:0.#}%"))
            .ConfigureAwait(false);
        foreach (var w in d.GetProperty("waveProgress").EnumerateArray())
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  wave {w.GetProperty("index").GetInt32() + 1} {w.GetProperty("percent").GetInt32(),3}%: {w.GetProperty("devices").GetInt32()} devices, {w.GetProperty("active").GetInt32()} active, {w.GetProperty("failed").GetInt32()} failed: {w.GetProperty("state").GetString()}"))
                .ConfigureAwait(false);
        }
        var devices = d.GetProperty("devices");
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"  devices: {devices.GetProperty("total").GetInt32()} total, {devices.GetProperty("pending").GetInt32()} pending, {devices.GetProperty("active").GetInt32()} active, {devices.GetProperty("failed").GetInt32()} failed, {devices.GetProperty("rolledBack").GetInt32()} rolled back"))
            .ConfigureAwait(false);
        if (Text(d, "message") is { Length: > 0 } message)
        {
            await output.WriteLineAsync($"  {message}").ConfigureAwait(false);
        }
        if (withTargets && d.TryGetProperty("targets", out var targets))
        {
            await output.WriteLineAsync($"  {"DEVICE",-24} {"WAVE",-5} {"STATE",-12} {"PREVIOUS",-10} MESSAGE").ConfigureAwait(false);
            foreach (var t in targets.EnumerateArray())
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"  {t.GetProperty("deviceId").GetString(),-24} {t.GetProperty("wave").GetInt32() + 1,-5} {t.GetProperty("state").GetString(),-12} {Text(t, "previousVersion") ?? "-",-10} {Text(t, "message")}"))
                    .ConfigureAwait(false);
            }
        }
    }

    /// <summary>tag=value pairs, repeated or comma-separated.</summary>
    internal static Dictionary<string, string>? Selector(IEnumerable<string> values)
    {
        var selector = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new AdminCommandException($"--selector '{pair}' must be tag=value, e.g. site=lobby");
            }
            selector[pair[..equals].Trim()] = pair[(equals + 1)..].Trim();
        }
        return selector.Count == 0 ? null : selector;
    }

    internal static int[]? Waves(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var waves = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i].TrimEnd('%'), NumberStyles.None, CultureInfo.InvariantCulture, out waves[i]))
            {
                throw new AdminCommandException($"--waves '{text}' must be comma-separated percentages, e.g. 10,50,100");
            }
        }
        return waves;
    }

    private static Argument<long> Id() => new("id") { Description = "Deployment id (see 'deployments list')." };

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace EdgeAi.Agent.Cli;

/// <summary>
/// <c>edge-agent models stats</c>: a running agent's statistics extension (GET /v2/models[/name[/versions/v]]/stats)
/// as one line per loaded model version, with mean times per request, for an operator at the device.
/// </summary>
internal static class ModelsStatsCommand
{
    public static Command Create()
    {
        var name = new Argument<string?>("name") { Description = "Only this model (default: every loaded model).", Arity = ArgumentArity.ZeroOrOne };
        var version = new Option<string?>("--version") { Description = "Only this version of the model." };
        var url = LocalApiClient.UrlOption();
        var command = new Command("stats", "Requests served and failed, and mean queue and compute times, per loaded model version of a running agent.") { name, version, url };
        command.SetAction((parse, cancellationToken) => LocalApiClient.RunAsync(parse, url, async (client, output, token) =>
        {
            var model = parse.GetValue(name);
            var only = parse.GetValue(version);
            if (model is null && only is not null)
            {
                throw new LocalApiCallException("--version needs a model name");
            }
            var path = model is null ? "v2/models/stats"
                : only is null ? $"v2/models/{LocalApiClient.Segment(model)}/stats"
                : $"v2/models/{LocalApiClient.Segment(model)}/versions/{LocalApiClient.Segment(only)}/stats";
            var stats = await LocalApiClient.GetAsync(client, path, token).ConfigureAwait(false);
            var rows = stats.GetProperty("model_stats");
            if (rows.GetArrayLength() == 0)
            {
                await output.WriteLineAsync("no model is loaded").ConfigureAwait(false);
                return 0;
            }
            await output.WriteLineAsync($"{"MODEL",-24} {"VERSION",-8} {"SUCCESS",9} {"FAIL",7} {"INFERENCES",11} {"EXECUTIONS",11} {"QUEUE ms",9} {"INFER ms",9}  LAST (UTC)")
                .ConfigureAwait(false);
            foreach (var row in rows.EnumerateArray())
            {
                await output.WriteLineAsync(Row(row)).ConfigureAwait(false);
            }
            return 0;
        }, cancellationToken));
        return command;
    }

    private static string Row(JsonElement row)
    {
        var inference = row.GetProperty("inference_stats");
        var success = inference.GetProperty("success").GetProperty("count").GetUInt64();
        var last = row.GetProperty("last_inference").GetInt64();
        var lastText = last == 0 ? "never" : DateTimeOffset.FromUnixTimeMilliseconds(last).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture,
            $"{LocalApiClient.Text(row, "name"),-24} {LocalApiClient.Text(row, "version"),-8} {success,9} {inference.GetProperty("fail").GetProperty("count").GetUInt64(),7} "
            + $"{row.GetProperty("inference_count").GetUInt64(),11} {row.GetProperty("execution_count").GetUInt64(),11} "
            + $"{MeanMs(inference.GetProperty("queue")),9} {MeanMs(inference.GetProperty("compute_infer")),9}  {lastText}");
    }

    /// <summary>Mean milliseconds of a duration statistic, "-" before the first count.</summary>
    private static string MeanMs(JsonElement duration)
    {
        var count = duration.GetProperty("count").GetUInt64();
        return count == 0 ? "-" : (duration.GetProperty("ns").GetUInt64() / (double)count / 1e6).ToString("0.000", CultureInfo.InvariantCulture);
    }
}

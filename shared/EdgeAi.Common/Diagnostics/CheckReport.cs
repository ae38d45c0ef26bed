using System.Text;
using System.Text.Json;

namespace EdgeAi.Common.Diagnostics;

/// <summary>Prints check results as people read them, or as one JSON document, and gives the exit code.</summary>
public static class CheckReport
{
    /// <summary>0 when nothing failed, 1 when anything did (2, a usage or configuration-file error, is the caller's).</summary>
    public static int ExitCode(IEnumerable<CheckResult> results) => results.Any(r => r.Status == CheckStatus.Fail) ? 1 : 0;

    public static string Label(CheckStatus status) => status switch
    {
        CheckStatus.Ok => "OK",
        CheckStatus.Warn => "WARN",
        _ => "FAIL",
    };

    /// <summary><c>OK    id: message</c>, and under a WARN or FAIL an indented line with the fix.</summary>
    public static string Text(IEnumerable<CheckResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var text = new StringBuilder();
        foreach (var result in results)
        {
            text.Append(Label(result.Status).PadRight(6)).Append(result.Id).Append(": ").Append(result.Message).Append('\n');
            if (result.Status != CheckStatus.Ok && result.Fix is { Length: > 0 } fix)
            {
                text.Append("      fix: ").Append(fix).Append('\n');
            }
        }
        return text.ToString();
    }

    // Relaxed escaping: the document goes to a terminal or a script, never into HTML.
    /// <summary><c>{"status":"fail","checks":[{"id","status","message","fix"}…]}</c>; Utf8JsonWriter because the agent is trimmed.</summary>
    public static string Json(IReadOnlyCollection<CheckResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            var worst = results.Count == 0 ? CheckStatus.Ok : results.Max(r => r.Status);
            json.WriteString("status", Label(worst).ToLowerInvariant());
            json.WriteStartArray("checks");
            foreach (var result in results)
            {
                json.WriteStartObject();
                json.WriteString("id", result.Id);
                json.WriteString("status", Label(result.Status).ToLowerInvariant());
                json.WriteString("message", result.Message);
                if (result.Fix is { } fix && result.Status != CheckStatus.Ok)
                {
                    json.WriteString("fix", fix);
                }
                else
                {
                    json.WriteNull("fix");
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>
    /// Runs the checks one after another (they share the machine's disk and network, and their order is
    /// the order of the report); a check that throws anyway is a FAIL of its own, never a stack trace.
    /// </summary>
    public static async Task<IReadOnlyList<CheckResult>> RunAsync(IEnumerable<(string Id, IDiagnosticCheck Check)> checks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checks);
        var results = new List<CheckResult>();
        foreach (var (id, check) in checks)
        {
            try
            {
                results.AddRange(await check.RunAsync(cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                results.Add(CheckResult.Fail(id, $"the check itself failed: {e.GetType().Name}: {e.Message}", "report this with the output of the check"));
            }
        }
        return results;
    }
}

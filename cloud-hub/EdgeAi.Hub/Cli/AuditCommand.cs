using System.CommandLine;
using System.Globalization;
using EdgeAi.Hub.Admin;

namespace EdgeAi.Hub.Cli;

/// <summary><c>cloud-hub audit</c>: who did what, newest first.</summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var limit = new Option<int>("--limit")
        {
            Description = $"Most entries to show (1 to {AuditEndpoints.MaxLimit}).",
            DefaultValueFactory = _ => AuditEndpoints.DefaultLimit,
        };
        var action = new Option<string?>("--action") { Description = "Only this action (device.enroll), or a prefix ending in '.' (token.)." };
        var command = new Command("audit", "Show the audit log: admin actions, enrollments, revocations, deployments, newest first.") { limit, action };
        command.WithConnection();
        command.SetAction((parse, cancellationToken) => AdminCommandRunner.RunAsync(parse, async (client, output, ct) =>
        {
            var query = $"/api/audit?limit={parse.GetValue(limit).ToString(CultureInfo.InvariantCulture)}";
            if (parse.GetValue(action) is { Length: > 0 } filter)
            {
                query += "&action=" + Uri.EscapeDataString(filter);
            }
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(query, UriKind.Relative));
            var entries = await AdminCommandRunner.SendAsync(client, request, AdminJson.Default.AuditEntryArray, ct).ConfigureAwait(false);
            if (entries.Length == 0)
            {
                await output.WriteLineAsync("no audit entries").ConfigureAwait(false);
                return;
            }
            await output.WriteLineAsync($"{"AT",-21} {"ACTOR",-24} {"ACTION",-20} {"TARGET",-32} DETAIL").ConfigureAwait(false);
            foreach (var e in entries)
            {
                await output.WriteLineAsync($"{e.At.ToString("u", CultureInfo.InvariantCulture),-21} {e.Actor,-24} {e.Action,-20} {e.Target,-32} {e.Detail}").ConfigureAwait(false);
            }
        }, cancellationToken));
        return command;
    }
}

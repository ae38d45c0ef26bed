using EdgeAi.Agent.Outbox;
using EdgeAi.Common.Diagnostics;

namespace EdgeAi.Agent.Diagnostics;

/// <summary>
/// The outbox file read page by page with the agent's own start-up check (<see cref="OutboxFileReader"/>),
/// which opens it read-only and changes nothing: records pending, or the damage the next start will repair.
/// </summary>
internal sealed class OutboxCheck(string path) : IDiagnosticCheck
{
    public const string Id = "outbox";

    public Task<IReadOnlyList<CheckResult>> RunAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<CheckResult>>([Run()]);

    private CheckResult Run()
    {
        if (!File.Exists(path))
        {
            return CheckResult.Ok(Id, $"no outbox yet ({path} is created at the first start)");
        }
        OutboxFileScan scan;
        try
        {
            scan = OutboxFileReader.Check(path);
            if (!scan.IsHealthy)
            {
                // A running agent may be writing a page just as it is read: damage is what a second read still finds.
                scan = OutboxFileReader.Check(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return CheckResult.Warn(Id, $"{path} cannot be read: {e.Message}", "run the check as the agent's user (sudo -u edgeai edge-agent check)");
        }
        var size = new FileInfo(path).Length;
        if (!scan.IsHealthy)
        {
            return CheckResult.Fail(Id, $"{path} is damaged: {string.Join("; ", scan.Problems.Take(3))}",
                $"start the agent (edge-agent run): it keeps the records that read back whole, moves the file aside as {Path.GetFileName(path)}.corrupt-{{stamp}} and reports an outbox_reset event; if it recurs, check the disk");
        }
        var pending = scan.Collections.Values.Where(c => c.Name.StartsWith("s_", StringComparison.Ordinal)).Sum(c => c.Documents);
        return CheckResult.Ok(Id, $"{pending} records pending in {path} ({size / 1024} KiB)");
    }
}

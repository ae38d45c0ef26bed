using System.Data.Common;
using EdgeAi.Common.Diagnostics;
using EdgeAi.Hub.Store;

namespace EdgeAi.Hub.Diagnostics;

/// <summary>The store reached and its migrations read, as <c>cloud-hub db status</c> reads them; pending ones stop a hub with MigrateOnStart off.</summary>
internal sealed class StoreCheck(StoreMigrator migrator, string provider, bool migrateOnStart) : IDiagnosticCheck
{
    public const string Id = "store";

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<IReadOnlyList<CheckResult>> RunAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            var status = await migrator.StatusAsync(timeout.Token).ConfigureAwait(false);
            if ((status.Pending.Count > 0 || status.PreviousRelease) && migrateOnStart)
            {
                return [CheckResult.Warn(Id, $"{provider}: {status.Applied.Count} migrations applied, {status.Pending.Count} pending; the hub applies them at start (Hub:Store:MigrateOnStart)",
                    "nothing to do; to apply them now: cloud-hub db migrate")];
            }
            if (status.Pending.Count > 0 || status.PreviousRelease)
            {
                return [CheckResult.Fail(Id, $"{provider}: {status.Applied.Count} migrations applied, {status.Pending.Count} pending ({string.Join(", ", status.Pending.Take(3))})",
                    "cloud-hub db migrate (Hub:Store:MigrateOnStart is false, so the hub will not start until then)")];
            }
            return [CheckResult.Ok(Id, $"{provider}: reachable, {status.Applied.Count} migrations applied, none pending")];
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return [CheckResult.Fail(Id, $"{provider}: no answer within {Timeout.TotalSeconds:0} s", "check Hub:Store:ConnectionString and that the database server runs")];
        }
        catch (Exception e) when (e is DbException or IOException or InvalidOperationException)
        {
            var last = e;
            while (last.InnerException is { } inner)
            {
                last = inner;
            }
            return [CheckResult.Fail(Id, $"{provider}: cannot be reached: {last.Message}", "check Hub:Store:ConnectionString and that the database server runs")];
        }
    }
}

using EdgeAi.Serving.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Security;

/// <summary>
/// Reads the device credentials again every Hub:Credentials:RefreshInterval, so a device revoked
/// through another replica (which shares the store) is refused here within that interval. A failed
/// read is logged once per outage and tried again on the next tick; the cache keeps what it had.
/// </summary>
internal sealed class DeviceCredentialsRefresh(
    DeviceCredentialsLoader loader, LoopSupervisor supervisor, IOptions<CredentialOptions> options, TimeProvider time, ILogger<DeviceCredentialsRefresh> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => supervisor.RunAsync("credentials-refresh", RunAsync, stoppingToken);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RefreshInterval, time);
        var failing = false;
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await loader.RefreshAsync(stoppingToken).ConfigureAwait(false);
                failing = false;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                if (!failing)
                {
                    failing = true;
                    Log.CredentialsRefreshFailed(logger, e.Message, options.Value.RefreshInterval);
                }
            }
        }
    }
}

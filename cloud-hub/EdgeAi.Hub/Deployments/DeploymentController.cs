using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Deployments;

/// <summary>
/// The rollout controller loop: on start it republishes every device's desired state (the embedded
/// broker keeps retained messages in memory only), then every Hub:Deployments:PollInterval it takes in
/// device reports and advances deployments. A failed tick is logged and the next one tries again.
/// </summary>
internal sealed class DeploymentController(
    RolloutCoordinator coordinator,
    DesiredStatePublisher publisher,
    IOptions<DeploymentOptions> options,
    TimeProvider time,
    ILogger<DeploymentController> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Registered after the broker, whose start has finished by now.
        await Task.Yield();
        using var timer = new PeriodicTimer(options.Value.PollInterval, time);
        try
        {
            var republished = false;
            do
            {
                try
                {
                    if (!republished)
                    {
                        await publisher.MarkAllAsync(stoppingToken).ConfigureAwait(false);
                        republished = true;
                    }
                    await coordinator.TickAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    Log.TickFailed(logger, e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

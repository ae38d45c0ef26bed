using EdgeAi.Hub.Broker;
using EdgeAi.Hub.Store;
using EdgeAi.Serving.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Deployments;

/// <summary>
/// The rollout controller loop: once the store exists and the broker is up (awaited, not implied by
/// registration order) it republishes every device's desired state (the embedded broker keeps
/// retained messages in memory only), then every Hub:Deployments:PollInterval it takes in device
/// reports and advances deployments. A failed tick is logged and the next one tries again; anything
/// else that fails the loop restarts it under the <see cref="LoopSupervisor"/>.
/// </summary>
internal sealed class DeploymentController(
    RolloutCoordinator coordinator,
    DesiredStatePublisher publisher,
    StoreInitializer schema,
    IDeviceBroker broker,
    LoopSupervisor supervisor,
    IOptions<DeploymentOptions> options,
    TimeProvider time,
    ILogger<DeploymentController> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await schema.EnsureCreatedAsync(stoppingToken).ConfigureAwait(false);
            await broker.Ready.WaitAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        await supervisor.RunAsync("deployment-controller", RunAsync, stoppingToken).ConfigureAwait(false);
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval, time);
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
}

using EdgeAi.Hub.Broker;
using EdgeAi.Hub.Leadership;
using EdgeAi.Hub.Store;
using EdgeAi.Serving.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Deployments;

/// <summary>
/// The rollout controller loop, run only by the replica that holds the leader lease
/// (<see cref="LeaderLease"/>; on SQLite the one hub always does). Once the store exists and the
/// broker is up (awaited, not implied by registration order) it waits for a term; at the start of
/// each it republishes every device's desired state (the embedded broker keeps retained messages in
/// memory only, and the previous leader may have died with publishes unsent), then every
/// Hub:Deployments:PollInterval it takes in device reports and advances deployments, from whatever
/// the store says, so a rollout another leader left mid-wave goes on. The term ending stops it; a
/// failed tick is logged and the next one tries again; anything else that fails the loop restarts it
/// under the <see cref="LoopSupervisor"/>.
/// </summary>
internal sealed class DeploymentController(
    RolloutCoordinator coordinator,
    DesiredStatePublisher publisher,
    StoreInitializer schema,
    IDeviceBroker broker,
    LeaderLease lease,
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
        await supervisor.RunAsync("deployment-controller", LeadAsync, stoppingToken).ConfigureAwait(false);
    }

    /// <summary>One term after another, for as long as the hub runs.</summary>
    private async Task LeadAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var term = await lease.WaitForTermAsync(stoppingToken).ConfigureAwait(false);
            using var during = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, term.Ended);
            try
            {
                await RunAsync(term, during.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (term.Ended.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
            {
                // The term ended: wait for the next one.
            }
        }
    }

    private async Task RunAsync(LeaderTerm term, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval, time);
        var republished = false;
        do
        {
            try
            {
                if (!republished)
                {
                    await publisher.MarkAllAsync(cancellationToken).ConfigureAwait(false);
                    republished = true;
                }
                await coordinator.TickAsync(term, cancellationToken).ConfigureAwait(false);
            }
            catch (LeaseLostException e)
            {
                // The store says another replica leads, whatever this one's clock says: stop now, not at the next renewal.
                lease.Abandon(term, e.Message);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.TickFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }
}

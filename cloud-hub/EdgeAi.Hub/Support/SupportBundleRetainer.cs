using EdgeAi.Hub.Broker;

namespace EdgeAi.Hub.Support;

/// <summary>
/// At start, retains again each device's newest support bundle request still waiting: the embedded broker keeps
/// retained messages in memory only, so after a restart a device that was offline would otherwise never be asked.
/// Harmless where the broker kept them (an external one) or another replica does the same: the message is the same.
/// </summary>
internal sealed class SupportBundleRetainer(SupportBundleStore bundles, SupportBundleRequests requests, IDeviceBroker broker) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A broker that failed to start reports that itself; then there is nothing to publish to.
        await Task.WhenAny(broker.Ready).WaitAsync(stoppingToken).ConfigureAwait(false);
        if (!broker.Ready.IsCompletedSuccessfully)
        {
            return;
        }
        foreach (var deviceId in bundles.DevicesWaiting())
        {
            await requests.RetainNewestWaitingAsync(deviceId, stoppingToken).ConfigureAwait(false);
        }
    }
}

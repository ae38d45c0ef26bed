using EdgeAi.Common.Sync;
using MQTTnet;

namespace EdgeAi.IntegrationTests.Replicas;

/// <summary>
/// A simulated device on an external broker that sends telemetry the way the agent's uplink does: a
/// batch is sent until the broker acknowledges it (reconnecting when the link is gone), so it arrives at
/// least once (an acknowledgement that says nobody subscribed counts as none, as in the agent's uplink);
/// the hub's de-duplication must make that exactly once.
/// </summary>
internal sealed class LoadDevice(int port, string id, string password) : IAsyncDisposable
{
    // The uplink's own pause between attempts while the broker is away (not a wait for a test's condition).
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(200);

    private IMqttClient? _client;

    public string Id { get; } = id;

    /// <summary>How many batches needed more than one attempt (the broker was away).</summary>
    public int Retried { get; private set; }

    public static string Password(string id) => $"{id}-password-0123456789";

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        _client?.Dispose();
        _client = await DeviceMqtt.ConnectAsync(DeviceMqtt.DeviceOptions(port, Id, Id, password).Build(), cancellationToken);
    }

    /// <summary>Sends telemetry records seq <paramref name="first"/>..first+count-1 in one batch, until acknowledged.</summary>
    public async Task SendAsync(long first, int count, CancellationToken cancellationToken)
    {
        var message = DeviceMqtt.Message(SyncTopics.For(Id, SyncTopics.Telemetry), DeviceMqtt.TelemetryBatch(first, count));
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (_client is not { IsConnected: true })
                {
                    await ConnectAsync(cancellationToken);
                }
                var result = await _client!.PublishAsync(message, cancellationToken);
                // As the agent's uplink: a broker without the hubs' subscription (just restarted, before they
                // subscribe again) acknowledges and drops; that is no delivery.
                if (result.IsSuccess && result.ReasonCode != MqttClientPublishReasonCode.NoMatchingSubscribers)
                {
                    if (attempt > 0)
                    {
                        Retried++;
                    }
                    return;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The broker is away (refused, reset, timed out): try again, as the uplink does.
            }
            await Task.Delay(RetryPause, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is { } client)
        {
            if (client.IsConnected)
            {
                await client.DisconnectAsync();
            }
            client.Dispose();
        }
    }
}

using System.Globalization;
using System.Security.Cryptography;
using EdgeAi.Common.Sync;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Broker;
using EdgeAi.Hub.Security;
using EdgeAi.Hub.Store;
using Google.Protobuf;
using Microsoft.EntityFrameworkCore;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAi.Hub.Support;

/// <summary>
/// Asks a device for a support bundle: records the request (<see cref="SupportBundleStore"/>), then publishes a
/// <c>support_bundle</c> command, its id the request id, on the device's <c>commands</c> topic, retained at QoS 1:
/// a device offline now gets it when it next connects (the broker hands a retained message to each new
/// subscription), and the hub clears it once the bundle arrives. One retained message per topic: a newer request
/// replaces an older one still waiting, and when a bundle arrives the newest still waiting is retained again.
/// </summary>
internal sealed class SupportBundleRequests(
    SupportBundleStore bundles, IDbContextFactory<HubDbContext> store, DeviceCredentials credentials, IDeviceBroker broker, AuditLog audit, TimeProvider time,
    ILogger<SupportBundleRequests> logger)
{
    public async Task<Outcome<SupportBundleInfo>> RequestAsync(string deviceId, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        if (await RefusalForAsync(deviceId, cancellationToken).ConfigureAwait(false) is { } refusal)
        {
            return refusal;
        }
        var now = time.GetUtcNow();
        var requestId = string.Create(CultureInfo.InvariantCulture, $"sb-{now:yyyyMMdd't'HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
        var bundle = new SupportBundleInfo(requestId, deviceId, SupportBundleInfo.Requested, now, actor);
        bundles.Save(bundle);
        if (!await PublishAsync(deviceId, bundle.RequestId, cancellationToken).ConfigureAwait(false))
        {
            // Recorded all the same: the device may still be asked again; the CLI's timeout says it did not answer.
            Log.NotPublished(logger, deviceId, "publish refused or the link is down");
        }
        Log.Requested(logger, bundle.RequestId, deviceId, actor);
        await audit.RecordAsync(actor, "device.bundle.request", deviceId, bundle.RequestId, cancellationToken).ConfigureAwait(false);
        return bundle;
    }

    /// <summary>After a bundle arrived (or the hub started): the newest request still waiting is retained for the device, or the retained command is cleared.</summary>
    public async Task RetainNewestWaitingAsync(string deviceId, CancellationToken cancellationToken)
    {
        var waiting = bundles.List(deviceId).FirstOrDefault(b => b.Status == SupportBundleInfo.Requested);
        await PublishAsync(deviceId, waiting?.RequestId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Unknown devices and revoked ones cannot be asked (a revoked device is refused at the broker and on gRPC).</summary>
    private async Task<Refusal?> RefusalForAsync(string deviceId, CancellationToken cancellationToken)
    {
        if (!SyncTopics.IsValidDeviceId(deviceId))
        {
            return Refusal.Invalid("Bad device id", $"'{deviceId}' is not a device id: 1 to 64 of [A-Za-z0-9._-]");
        }
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var row = await db.Devices.AsNoTracking().SingleOrDefaultAsync(d => d.Id == deviceId, cancellationToken).ConfigureAwait(false);
            if (row is null && !credentials.IsConfigured(deviceId))
            {
                return Refusal.UnknownDevice(deviceId);
            }
            if (row?.RevokedAtMs is not null || credentials.IsRevoked(deviceId))
            {
                return Refusal.Conflict("Device revoked", $"device '{deviceId}' is revoked: it can no longer connect, so it cannot send a support bundle");
            }
        }
        return null;
    }

    /// <summary>The retained command for <paramref name="requestId"/>, or (null) an empty retained message, which clears it.</summary>
    private Task<bool> PublishAsync(string deviceId, string? requestId, CancellationToken cancellationToken)
    {
        byte[] payload = requestId is null ? [] : new Command { Id = requestId, Name = SupportBundles.CommandName }.ToByteArray();
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(SyncTopics.For(deviceId, SyncTopics.Commands))
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(true)
            .Build();
        return broker.PublishAsync(message, cancellationToken);
    }
}

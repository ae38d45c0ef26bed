using System.Collections.Concurrent;
using EdgeAi.Common.Fleet;
using EdgeAi.Common.Sync;
using EdgeAi.Hub.Broker;
using EdgeAi.Hub.Store;
using Google.Protobuf;
using Microsoft.EntityFrameworkCore;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAi.Hub.Deployments;

/// <summary>
/// Turns a device's desired models and twin config into a DesiredState and publishes it retained on
/// the device's desired topic, through whichever broker the hub runs (<see cref="IDeviceBroker"/>).
/// A device whose publish failed (broker not up yet, link down) is retried on the controller's next
/// tick, so the retained message always ends at the latest revision.
/// </summary>
internal sealed class DesiredStatePublisher(
    IDbContextFactory<HubDbContext> store, IDeviceBroker broker, ILogger<DesiredStatePublisher> logger)
{
    private readonly ConcurrentDictionary<string, byte> _unsent = new(StringComparer.Ordinal);
    private bool _failing;

    /// <summary>Marks every device that has a desired state for (re)publication: the embedded broker keeps retained messages in memory only.</summary>
    public async Task MarkAllAsync(CancellationToken cancellationToken)
    {
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            foreach (var id in await db.Devices.Where(d => d.DesiredRevision != null).Select(d => d.Id).ToListAsync(cancellationToken).ConfigureAwait(false))
            {
                _unsent[id] = 0;
            }
        }
    }

    /// <summary>Publishes the current desired state of these devices (and of any still unsent).</summary>
    public async Task PublishAsync(IEnumerable<string> deviceIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deviceIds);
        foreach (var id in deviceIds)
        {
            _unsent[id] = 0;
        }
        if (_unsent.IsEmpty)
        {
            return;
        }
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            foreach (var id in _unsent.Keys.Order(StringComparer.Ordinal))
            {
                var state = await BuildAsync(db, id, cancellationToken).ConfigureAwait(false);
                if (state is null)
                {
                    _unsent.TryRemove(id, out _);
                    continue;
                }
                if (await SendAsync(id, state, cancellationToken).ConfigureAwait(false))
                {
                    _unsent.TryRemove(id, out _);
                    _failing = false;
                    Log.DesiredPublished(logger, id, state.Revision, state.Models.Count, state.Config.Count);
                }
                else
                {
                    if (!_failing)
                    {
                        // Once per outage, not once per tick.
                        _failing = true;
                        Log.DesiredUnsent(logger, id, state.Revision, _unsent.Count);
                    }
                    // The broker is down: the rest would fail the same way; the next tick tries again.
                    return;
                }
            }
        }
    }

    /// <summary>The device's desired state as the device will see it, or null for an unknown device.</summary>
    public static async Task<DesiredState?> BuildAsync(HubDbContext db, string deviceId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var device = await db.Devices.AsNoTracking().Where(d => d.Id == deviceId)
            .Select(d => new { d.DesiredRevision, d.DesiredConfig, d.Reported }).SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (device is null)
        {
            return null;
        }
        var models = await (from desired in db.DesiredModels
                            join model in db.Models on new { Name = desired.Model, desired.Version } equals new { model.Name, model.Version }
                            where desired.DeviceId == deviceId
                            orderby desired.Model
                            select new { desired.Model, desired.Version, desired.RoutingPolicy, desired.DeploymentId, model.Sha256, model.Signature })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var providers = DesiredVariants.Providers(device.Reported);
        var state = new DesiredState { Revision = device.DesiredRevision ?? 0 };
        foreach (var m in models)
        {
            var variant = await DesiredVariants.ResolveAsync(db, m.DeploymentId, m.Model, m.Version, providers, cancellationToken).ConfigureAwait(false);
            var (sha256, signature) = (m.Sha256, m.Signature);
            if (!ModelVariants.IsDefault(variant)
                && await db.ModelVariants.AsNoTracking().SingleOrDefaultAsync(v => v.Name == m.Model && v.Version == m.Version && v.Variant == variant, cancellationToken).ConfigureAwait(false) is { } row)
            {
                (sha256, signature) = (row.Sha256, row.Signature);
            }
            else
            {
                // A pinned variant the version no longer has (refused at create and at delete, so only by hand): the fp32 artifact.
                variant = ModelVariants.Fp32;
            }
            state.Models.Add(new DesiredModel
            {
                Name = m.Model,
                Version = m.Version,
                Sha256 = sha256,
                Signature = ByteString.CopyFrom(signature),
                RoutingPolicy = m.RoutingPolicy,
                Variant = variant,
            });
        }
        state.Config.Add(StringMapJson.Read(device.DesiredConfig));
        return state;
    }

    private async Task<bool> SendAsync(string deviceId, DesiredState state, CancellationToken cancellationToken)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(SyncTopics.For(deviceId, SyncTopics.Desired))
            .WithPayload(state.ToByteArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(true)
            .Build();
        // The embedded broker retains it; an external one is asked to; with MQTT off the state stays in the store.
        return await broker.PublishAsync(message, cancellationToken).ConfigureAwait(false);
    }
}

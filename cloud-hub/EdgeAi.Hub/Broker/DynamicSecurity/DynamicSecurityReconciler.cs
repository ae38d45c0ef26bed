using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Security;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Broker.DynamicSecurity;

/// <summary>What one reconciliation found and did.</summary>
internal sealed record DynamicSecurityReport(int Clients, IReadOnlyList<string> Disabled, IReadOnlyList<string> Provisioned, IReadOnlyList<string> Missing);

/// <summary>
/// Brings the broker's accounts in line with the store each time the dynamic-security link comes up
/// (hub start, broker back): every revoked device disabled there (a revocation made while the broker
/// was away lands now), every Hub:DeviceKeys device provisioned (its key is in the configuration),
/// and enrolled devices the broker has no login for named in a warning: the hub keeps only key
/// hashes, so it cannot recreate them.
/// </summary>
internal sealed class DynamicSecurityReconciler(
    DynamicSecurityLink link,
    IDeviceAccounts accounts,
    IDbContextFactory<HubDbContext> store,
    StoreInitializer schema,
    DeviceCredentialsLoader credentialsLoader,
    IOptions<HubOptions> hubOptions,
    IOptions<MqttOptions> mqttOptions,
    ILogger<DynamicSecurityReconciler> logger) : BackgroundService
{
    /// <summary>Commands per message when disabling many devices: keeps one reply well under any packet limit.</summary>
    private const int BatchSize = 100;

    /// <summary>At most this many device ids are named in the warning (the count is always complete).</summary>
    private const int NamedInWarning = 50;

    private int _completed;

    /// <summary>The last reconciliation's findings; null before the first one finished.</summary>
    public DynamicSecurityReport? LastReport { get; private set; }

    /// <summary>How many reconciliations finished.</summary>
    public int Completed => Volatile.Read(ref _completed);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await schema.EnsureCreatedAsync(stoppingToken).ConfigureAwait(false);
            await credentialsLoader.EnsureLoadedAsync(stoppingToken).ConfigureAwait(false);
            await foreach (var _ in link.Connections.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    LastReport = await ReconcileAsync(stoppingToken).ConfigureAwait(false);
                    Interlocked.Increment(ref _completed);
                }
                catch (BrokerAccountsException e)
                {
                    // The link dropped (or the plugin refused): its next connect brings another cue.
                    Log.ReconcileFailed(logger, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public async Task<DynamicSecurityReport> ReconcileAsync(CancellationToken cancellationToken)
    {
        var listed = (await link.SendAsync([DynsecCommand.ListClients()], cancellationToken).ConfigureAwait(false))[0];
        if (!listed.Succeeded)
        {
            throw new BrokerAccountsException($"the dynamic security plugin refused listClients: {listed.Error}");
        }
        var clients = DynsecReply.Clients(listed).ToDictionary(c => c.Username, StringComparer.Ordinal);
        var devices = await DevicesAsync(cancellationToken).ConfigureAwait(false);

        var mqtt = mqttOptions.Value;
        var prefix = mqtt.DynamicSecurity.DeviceRolePrefix;
        // Only device logins: never the hub's own user, nor a client holding a role that is not the device's.
        var disable = devices
            .Where(d => d.Revoked && clients.TryGetValue(d.Id, out var c) && !c.Disabled && c.Roles.All(r => r == DeviceRole.Name(prefix, d.Id))
                && !string.Equals(d.Id, mqtt.ExternalUsername, StringComparison.Ordinal))
            .Select(d => d.Id).ToList();
        foreach (var chunk in disable.Chunk(BatchSize))
        {
            var responses = await link.SendAsync([.. chunk.Select(DynsecCommand.DisableClient)], cancellationToken).ConfigureAwait(false);
            foreach (var failed in responses.Where(r => !r.Succeeded && r.Error != DynsecResponse.ClientNotFound))
            {
                throw new BrokerAccountsException($"the dynamic security plugin refused disableClient: {failed.Error}");
            }
        }

        var revoked = devices.Where(d => d.Revoked).Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        var provisioned = new List<string>();
        foreach (var (id, key) in hubOptions.Value.DeviceKeys)
        {
            if (revoked.Contains(id))
            {
                continue;
            }
            if (!clients.TryGetValue(id, out var client) || client.Disabled || !client.Roles.Contains(DeviceRole.Name(prefix, id)))
            {
                try
                {
                    await accounts.ProvisionAsync(id, key, cancellationToken).ConfigureAwait(false);
                    provisioned.Add(id);
                }
                catch (BrokerLoginTakenException e)
                {
                    Log.ConfiguredDeviceNotProvisioned(logger, id, e.Message);
                }
            }
        }

        var missing = devices.Where(d => d.Enrolled && !d.Revoked && !clients.ContainsKey(d.Id)).Select(d => d.Id).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            var named = string.Join(", ", missing.Take(NamedInWarning)) + (missing.Count > NamedInWarning ? $" and {missing.Count - NamedInWarning} more" : "");
            Log.DevicesMissing(logger, missing.Count, named);
        }
        Log.Reconciled(logger, clients.Count, disable.Count, provisioned.Count);
        return new DynamicSecurityReport(clients.Count, disable, provisioned, missing);
    }

    private async Task<List<(string Id, bool Enrolled, bool Revoked)>> DevicesAsync(CancellationToken cancellationToken)
    {
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var rows = await db.Devices.AsNoTracking()
                .Where(d => d.KeyHash != null || d.RevokedAtMs != null)
                .Select(d => new { d.Id, d.KeyHash, d.RevokedAtMs })
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            return [.. rows.Select(r => (r.Id, r.KeyHash != null, r.RevokedAtMs != null))];
        }
    }
}

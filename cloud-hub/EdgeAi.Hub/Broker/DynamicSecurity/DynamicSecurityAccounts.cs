using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Broker.DynamicSecurity;

/// <summary>
/// Device logins kept in Mosquitto's dynamic security plugin: a client per device (user name and
/// client id = device id, password = the key the agent logs in with) holding one role of its own
/// topics (<see cref="DeviceRole"/>). Creating is tried first; what exists already (a re-enrollment,
/// an enrollment whose store commit failed after the broker took it, a configured device) is replaced,
/// unless it is not a device's login: the hub's own user, or a client holding any role but the
/// device's own (an enrollment token must never buy someone else's broker account).
/// </summary>
internal sealed class DynamicSecurityAccounts(IDynsecChannel link, IOptions<MqttOptions> options, ILogger<DynamicSecurityAccounts> logger) : IDeviceAccounts
{
    public async Task ProvisionAsync(string deviceId, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        ArgumentNullException.ThrowIfNull(key);
        RefuseHubLogin(deviceId);
        var role = DeviceRole.Name(options.Value.DynamicSecurity.DeviceRolePrefix, deviceId);
        var acls = DeviceRole.Acls(deviceId);
        var created = await link.SendAsync(
            [DynsecCommand.CreateRole(role, acls), DynsecCommand.CreateClient(deviceId, key, deviceId, role)], cancellationToken).ConfigureAwait(false);
        List<DynsecCommand> replace = [];
        if (created[0].Error == DynsecResponse.RoleExists)
        {
            // Its ACLs may be from an older hub: set them again (modifyRole replaces the list).
            replace.Add(DynsecCommand.ModifyRole(role, acls));
        }
        else
        {
            Check(created[0], deviceId);
        }
        if (created[1].Error == DynsecResponse.ClientExists)
        {
            var existing = (await link.SendAsync([DynsecCommand.GetClient(deviceId)], cancellationToken).ConfigureAwait(false))[0];
            Check(existing, deviceId);
            if (DynsecReply.Client(existing) is { } client && client.Roles.Any(r => r != role))
            {
                throw new BrokerLoginTakenException($"the MQTT broker has a login '{deviceId}' that is not a device's (roles: {string.Join(", ", client.Roles)})");
            }
            // modifyClient replaces the roles (addClientRole for a role it has is "Internal error" on 2.0.11), and the password.
            replace.Add(DynsecCommand.ModifyClient(deviceId, key, deviceId, role));
            replace.Add(DynsecCommand.EnableClient(deviceId));
        }
        else
        {
            Check(created[1], deviceId);
        }
        if (replace.Count > 0)
        {
            foreach (var response in await link.SendAsync(replace, cancellationToken).ConfigureAwait(false))
            {
                Check(response, deviceId);
            }
        }
        Log.DeviceProvisioned(logger, deviceId, role, replace.Count > 0 ? "replaced" : "created");
    }

    public async Task<bool> DisableAsync(string deviceId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        RefuseHubLogin(deviceId);
        var response = (await link.SendAsync([DynsecCommand.DisableClient(deviceId)], cancellationToken).ConfigureAwait(false))[0];
        if (response.Error == DynsecResponse.ClientNotFound)
        {
            return false;
        }
        Check(response, deviceId);
        return true;
    }

    /// <summary>A device named like the hub's own MQTT user must not change that login (it would lock the hub out, or hand its rights over).</summary>
    private void RefuseHubLogin(string deviceId)
    {
        if (string.Equals(deviceId, options.Value.ExternalUsername, StringComparison.Ordinal))
        {
            throw new BrokerLoginTakenException($"'{deviceId}' is the hub's own MQTT user at the broker (Hub:Mqtt:ExternalUsername)");
        }
    }

    private static void Check(DynsecResponse response, string deviceId)
    {
        if (!response.Succeeded)
        {
            throw new BrokerAccountsException($"the dynamic security plugin refused {response.Command} for device {deviceId}: {response.Error}");
        }
    }
}

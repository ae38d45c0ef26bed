namespace EdgeAi.Hub.Broker;

/// <summary>
/// The broker's own record of a device's login, where the broker is not the hub's: an external
/// Mosquitto with its dynamic security plugin. The embedded broker checks the hub's credentials
/// itself, so there (and with MQTT off) there is nothing to keep.
/// </summary>
internal interface IDeviceAccounts
{
    /// <summary>Creates or replaces the device's login (user name = device id, password = its key) with its own topics; throws <see cref="BrokerAccountsException"/> when the broker cannot be told.</summary>
    Task ProvisionAsync(string deviceId, string key, CancellationToken cancellationToken);

    /// <summary>Refuses the device's logins and drops a live connection; false when the broker has no such login; throws <see cref="BrokerAccountsException"/> when it cannot be told.</summary>
    Task<bool> DisableAsync(string deviceId, CancellationToken cancellationToken);
}

/// <summary>Embedded broker or MQTT off: the hub's own credentials are the only accounts.</summary>
internal sealed class NoDeviceAccounts : IDeviceAccounts
{
    public Task ProvisionAsync(string deviceId, string key, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<bool> DisableAsync(string deviceId, CancellationToken cancellationToken) => Task.FromResult(false);
}

/// <summary>The external broker could not be reached, did not answer in time, or refused a change to its accounts; the message says which.</summary>
internal class BrokerAccountsException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The broker has a login by that name that is not a device's (the hub's own, an operator's): the hub leaves it alone, and the id cannot be a device's.</summary>
internal sealed class BrokerLoginTakenException(string message) : BrokerAccountsException(message);

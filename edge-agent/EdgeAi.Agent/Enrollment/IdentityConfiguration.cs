using EdgeAi.Agent.Hosting;
using Microsoft.Extensions.Configuration.Memory;

namespace EdgeAi.Agent.Enrollment;

/// <summary>Layers identity.json into the agent's configuration.</summary>
internal static class IdentityConfiguration
{
    /// <summary>
    /// Inserts the enrolled identity at <paramref name="index"/> in the configuration sources: above
    /// appsettings.json, below the EDGEAI_ environment variables and command-line flags added after
    /// that index, so an operator can still override any of it. The data directory is read from the
    /// configuration as it stands (flags and environment included).
    /// </summary>
    public static void AddDeviceIdentity(this ConfigurationManager configuration, int index)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var dataDirectory = configuration[$"{AgentOptions.Section}:{nameof(AgentOptions.DataDirectory)}"] is { Length: > 0 } configured
            ? configured
            : AgentOptions.DefaultDataDirectory();
        if (DeviceIdentity.TryRead(dataDirectory) is { } identity)
        {
            configuration.Sources.Insert(index, new MemoryConfigurationSource { InitialData = identity.ToConfiguration(dataDirectory) });
        }
    }
}

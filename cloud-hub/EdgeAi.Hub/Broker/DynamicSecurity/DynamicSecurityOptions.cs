using System.ComponentModel.DataAnnotations;

namespace EdgeAi.Hub.Broker.DynamicSecurity;

/// <summary>
/// <c>Hub:Mqtt:DynamicSecurity</c>: with an external Mosquitto 2, the hub keeps the broker's own
/// accounts (its dynamic security plugin) in step with enrollment and revocation, so the broker
/// confines each device as the embedded one does. Checked by <see cref="MqttOptions"/>'s validation.
/// </summary>
internal sealed class DynamicSecurityOptions
{
    public const string DefaultDeviceRolePrefix = "edgeai-device-";

    /// <summary>Off by default: only a broker loaded with mosquitto_dynamic_security.so answers, and the hub's user must hold its admin role.</summary>
    public bool Enabled { get; set; }

    /// <summary>How long one batch of plugin commands may take before the broker counts as unreachable (an enrollment then fails with Unavailable).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Each device gets the role PREFIX + device id, holding exactly its own topics.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9._-]{1,64}$", ErrorMessage = "DeviceRolePrefix must be 1 to 64 characters from [A-Za-z0-9._-].")]
    public string DeviceRolePrefix { get; set; } = DefaultDeviceRolePrefix;

    public IEnumerable<ValidationResult> Validate(MqttOptions mqtt)
    {
        if (!Enabled)
        {
            yield break;
        }
        if (!mqtt.UsesExternalBroker)
        {
            yield return new ValidationResult(
                "DynamicSecurity:Enabled needs ExternalBroker (a Mosquitto 2 with the dynamic security plugin); the embedded broker confines devices itself.",
                ["DynamicSecurity.Enabled"]);
        }
        if (CommandTimeout <= TimeSpan.Zero || CommandTimeout > TimeSpan.FromMinutes(1))
        {
            yield return new ValidationResult($"DynamicSecurity:CommandTimeout {CommandTimeout} must be positive and at most 1 minute.", ["DynamicSecurity.CommandTimeout"]);
        }
    }
}

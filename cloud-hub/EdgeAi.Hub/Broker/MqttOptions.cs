using System.ComponentModel.DataAnnotations;
using EdgeAi.Hub.Broker.DynamicSecurity;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Broker;

/// <summary>How devices reach the hub over MQTT: <c>Hub:Mqtt</c>. Embedded broker by default, or a client of an external one.</summary>
internal sealed class MqttOptions : IValidatableObject
{
    public const string Section = "Hub:Mqtt";

    /// <summary>Port value that turns a listener off.</summary>
    public const int Disabled = -1;

    public const int DefaultMaxPacketBytes = 4 * 1024 * 1024;

    public const int MinMaxPacketBytes = 64 * 1024;

    /// <summary>MQTT's own largest packet: a 4-byte remaining length (268,435,455) plus the fixed header.</summary>
    public const int MaxMaxPacketBytes = 268_435_460;

    public bool Enabled { get; set; } = true;

    /// <summary>Embedded broker, plain MQTT. 0 picks a free port; -1 turns it off.</summary>
    [Range(Disabled, 65535)]
    public int Port { get; set; } = 1883;

    /// <summary>Embedded broker, MQTT over TLS with the hub certificate. 0 picks a free port; -1 turns it off.</summary>
    [Range(Disabled, 65535)]
    public int TlsPort { get; set; } = 8883;

    /// <summary>
    /// Largest MQTT packet (fixed header included) a device may send. The embedded broker announces
    /// it in CONNACK (MQTT 5 Maximum Packet Size) and disconnects a client whose packet is larger
    /// (reason Packet Too Large) before buffering it; the external-broker client asks its broker for
    /// no more than this and drops larger messages. Default 4 MiB: the agent caps a batch at
    /// Uplink:MaxBatchBytes (1 MiB) and at this announced size; a full Uplink:BatchSize (500) batch of
    /// the largest records — telemetry of a device serving 8 models with every fallback reason and
    /// error code, ~3.8 KB a record — is 1.9 MB, so 4 MiB holds twice that.
    /// </summary>
    [Range(MinMaxPacketBytes, MaxMaxPacketBytes)]
    public int MaxPacketBytes { get; set; } = DefaultMaxPacketBytes;

    /// <summary>When set (mqtt://host:port or mqtts://host:port) no broker is embedded: the hub subscribes to this one.</summary>
    public string? ExternalBroker { get; set; }

    public string? ExternalUsername { get; set; }

    public string? ExternalPassword { get; set; }

    /// <summary>Shared-subscription group: hub replicas in one group split the devices' messages between them.</summary>
    public string SharedGroup { get; set; } = "edgeai-hub";

    /// <summary>The hub's client id at the external broker; unique per replica, stable across restarts (its session lives on).</summary>
    public string ClientId { get; set; } = "edgeai-hub-" + Environment.MachineName;

    /// <summary>How long the external broker keeps the hub's session (and queues for it) while the hub is away.</summary>
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromDays(1);

    /// <summary>First wait before reconnecting to the external broker; doubles up to <see cref="MaxReconnectDelay"/>, with jitter.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a connected external client is pinged to find a dead connection.</summary>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The external broker's accounts kept by the hub (Mosquitto's dynamic security plugin); off by default.</summary>
    [ValidateObjectMembers]
    public DynamicSecurityOptions DynamicSecurity { get; set; } = new();

    public bool UsesExternalBroker => !string.IsNullOrWhiteSpace(ExternalBroker);

    public Uri? ExternalBrokerUri => UsesExternalBroker && Uri.TryCreate(ExternalBroker, UriKind.Absolute, out var uri) ? uri : null;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }
        if (UsesExternalBroker)
        {
            if (ExternalBrokerUri is not { Scheme: "mqtt" or "mqtts" } uri || uri.Port <= 0 || string.IsNullOrEmpty(uri.Host))
            {
                yield return new ValidationResult($"ExternalBroker '{ExternalBroker}' must look like mqtt://host:1883 or mqtts://host:8883.", [nameof(ExternalBroker)]);
            }
            if (string.IsNullOrWhiteSpace(SharedGroup) || SharedGroup.AsSpan().IndexOfAny("/+#") >= 0)
            {
                yield return new ValidationResult($"SharedGroup '{SharedGroup}' must be non-empty without '/', '+' or '#'.", [nameof(SharedGroup)]);
            }
            if (string.IsNullOrWhiteSpace(ClientId))
            {
                yield return new ValidationResult("ClientId must not be empty.", [nameof(ClientId)]);
            }
        }
        else if (Port == Disabled && TlsPort == Disabled)
        {
            yield return new ValidationResult("Port and TlsPort are both -1: enable one, set ExternalBroker, or set Enabled=false.", [nameof(Port), nameof(TlsPort)]);
        }
        foreach (var result in DynamicSecurity.Validate(this))
        {
            yield return result;
        }
        if (ReconnectDelay <= TimeSpan.Zero || MaxReconnectDelay < ReconnectDelay)
        {
            yield return new ValidationResult($"ReconnectDelay {ReconnectDelay} must be positive and at most MaxReconnectDelay {MaxReconnectDelay}.", [nameof(ReconnectDelay)]);
        }
        if (HealthCheckInterval <= TimeSpan.Zero || SessionExpiry <= TimeSpan.Zero)
        {
            yield return new ValidationResult("HealthCheckInterval and SessionExpiry must be positive.", [nameof(HealthCheckInterval), nameof(SessionExpiry)]);
        }
    }
}

[OptionsValidator]
internal sealed partial class MqttOptionsValidator : IValidateOptions<MqttOptions>;

using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Uplink;

/// <summary>
/// The MQTT link to the hub's broker. The device id and key come from Agent:DeviceId and
/// Cloud:DeviceKey, the trust settings for TLS from the Cloud section: one identity for gRPC and MQTT.
/// </summary>
internal sealed class UplinkOptions : IValidatableObject
{
    public const string Section = "Uplink";

    /// <summary>mqtts://hub.example:8883 (or mqtt:// for development). Empty: no uplink; the outbox keeps everything.</summary>
    public string? BrokerUrl { get; set; }

    /// <summary>Records per MQTT message.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// Most payload bytes per MQTT message; a batch is cut before it grows past this (or past the
    /// broker's announced Maximum Packet Size, when smaller). A single record over it is dropped and reported.
    /// </summary>
    [Range(4096, 268_435_455)]
    public int MaxBatchBytes { get; set; } = 1_048_576;

    /// <summary>Batches sent before the first is acknowledged: hides the round trip (and the hub's store commit) behind the next batches.</summary>
    [Range(1, 64)]
    public int MaxInFlight { get; set; } = 4;

    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the broker keeps this device's session (its subscriptions and queued messages) while it is away.</summary>
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromDays(7);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>First wait after a failed connection or publish; doubles per failure, with jitter, up to MaxReconnectDelay.</summary>
    public TimeSpan MinReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>When there is nothing to send, the link is checked with a ping this often.</summary>
    public TimeSpan IdleCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    public bool Enabled => !string.IsNullOrWhiteSpace(BrokerUrl);

    public Uri Broker => new(BrokerUrl!);

    public bool UseTls => Broker.Scheme == "mqtts";

    public int Port => Broker.IsDefaultPort || Broker.Port <= 0 ? (UseTls ? 8883 : 1883) : Broker.Port;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Enabled && (!Uri.TryCreate(BrokerUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("mqtt" or "mqtts")))
        {
            yield return new ValidationResult($"Uplink:BrokerUrl '{BrokerUrl}' must be an absolute mqtts://host:port (or, for development, mqtt://) address.", [nameof(BrokerUrl)]);
        }
        if (MinReconnectDelay <= TimeSpan.Zero || MaxReconnectDelay < MinReconnectDelay)
        {
            yield return new ValidationResult($"Uplink:MinReconnectDelay {MinReconnectDelay} must be positive and not above MaxReconnectDelay {MaxReconnectDelay}.", [nameof(MinReconnectDelay)]);
        }
        if (KeepAlive < TimeSpan.FromSeconds(1) || ConnectTimeout < TimeSpan.FromMilliseconds(100) || IdleCheckInterval < TimeSpan.FromMilliseconds(50))
        {
            yield return new ValidationResult("Uplink:KeepAlive must be at least 00:00:01, ConnectTimeout at least 00:00:00.1, IdleCheckInterval at least 00:00:00.05.", [nameof(KeepAlive)]);
        }
        if (SessionExpiry < TimeSpan.Zero || SessionExpiry.TotalSeconds > uint.MaxValue)
        {
            yield return new ValidationResult($"Uplink:SessionExpiry {SessionExpiry} is out of range.", [nameof(SessionExpiry)]);
        }
    }
}

[OptionsValidator]
internal sealed partial class UplinkOptionsValidator : IValidateOptions<UplinkOptions>;

using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Hosting;

/// <summary>Where the agent keeps its data and where it listens.</summary>
internal sealed class AgentOptions : IValidatableObject
{
    public const string Section = "Agent";

    /// <summary>Models, outbox and state live here. Default: the user's local application data folder, "edgeai".</summary>
    public string DataDirectory { get; set; } = DefaultDataDirectory();

    /// <summary>This device's id at the hub (MQTT user and client id, topic prefix): 1-64 of [A-Za-z0-9._-]. Default: the host name.</summary>
    public string DeviceId { get; set; } = DefaultDeviceId();

    /// <summary>Address both listeners bind to; loopback by default, because apps on the device are the clients.</summary>
    [Required]
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// Whether callers on other machines may write GPIO pins and fire rules over the REST listener. Off: with
    /// ListenAddress opened to the network for inference, the device's relays still answer only to this machine.
    /// </summary>
    public bool AllowRemoteControl { get; set; }

    /// <summary>Open Inference Protocol REST, /healthz. 0 picks a free port.</summary>
    [Range(0, 65535)]
    public int HttpPort { get; set; } = 8000;

    /// <summary>Open Inference Protocol gRPC (HTTP/2 without TLS). 0 picks a free port.</summary>
    [Range(0, 65535)]
    public int GrpcPort { get; set; } = 8001;

    /// <summary>How often the model store is checked for added or removed models.</summary>
    public TimeSpan ModelRescanInterval { get; set; } = TimeSpan.FromSeconds(10);

    public string ModelsDirectory => Path.Combine(DataDirectory, "models");

    public static string DefaultDeviceId()
    {
        var name = new string([.. Environment.MachineName.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-')]);
        return name.Length is > 0 and <= 64 ? name : "edge-device";
    }

    public static string DefaultDataDirectory() =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "edgeai");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IPAddress.TryParse(ListenAddress, out _))
        {
            yield return new ValidationResult($"ListenAddress '{ListenAddress}' is not an IP address (e.g. 127.0.0.1 or 0.0.0.0).", [nameof(ListenAddress)]);
        }
        if (HttpPort != 0 && HttpPort == GrpcPort)
        {
            yield return new ValidationResult($"HttpPort and GrpcPort are both {HttpPort}; REST and gRPC need their own ports.", [nameof(GrpcPort)]);
        }
        if (ModelRescanInterval < TimeSpan.FromSeconds(1) || ModelRescanInterval > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult($"ModelRescanInterval {ModelRescanInterval} must be between 00:00:01 and 01:00:00.", [nameof(ModelRescanInterval)]);
        }
        if (!EdgeAi.Common.Sync.SyncTopics.IsValidDeviceId(DeviceId))
        {
            yield return new ValidationResult($"DeviceId '{DeviceId}' must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'.", [nameof(DeviceId)]);
        }
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            yield return new ValidationResult("DataDirectory must not be empty.", [nameof(DataDirectory)]);
        }
    }
}

[OptionsValidator]
internal sealed partial class AgentOptionsValidator : IValidateOptions<AgentOptions>;

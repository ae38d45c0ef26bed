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

    /// <summary>Address both listeners bind to; loopback by default, because apps on the device are the clients.</summary>
    [Required]
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>Open Inference Protocol REST, /healthz. 0 picks a free port.</summary>
    [Range(0, 65535)]
    public int HttpPort { get; set; } = 8000;

    /// <summary>Open Inference Protocol gRPC (HTTP/2 without TLS). 0 picks a free port.</summary>
    [Range(0, 65535)]
    public int GrpcPort { get; set; } = 8001;

    /// <summary>How often the model store is checked for added or removed models.</summary>
    public TimeSpan ModelRescanInterval { get; set; } = TimeSpan.FromSeconds(10);

    public string ModelsDirectory => Path.Combine(DataDirectory, "models");

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
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            yield return new ValidationResult("DataDirectory must not be empty.", [nameof(DataDirectory)]);
        }
    }
}

[OptionsValidator]
internal sealed partial class AgentOptionsValidator : IValidateOptions<AgentOptions>;

using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Hosting;

/// <summary>Where the hub keeps its data, where it listens, and who may call it.</summary>
internal sealed class HubOptions : IValidatableObject
{
    public const string Section = "Hub";

    /// <summary>Models, certificate and (later) the fleet store. Default: the user's local application data folder, "edgeai-hub".</summary>
    public string DataDirectory { get; set; } = Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "edgeai-hub");

    public string ListenAddress { get; set; } = "0.0.0.0";

    /// <summary>gRPC and HTTP on one TLS port. 0 picks a free port.</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 5001;

    /// <summary>Development only: serve plain HTTP/2 (h2c) instead of TLS.</summary>
    public bool AllowInsecureHttp { get; set; }

    /// <summary>A PFX to serve TLS with; when empty a self-signed one is generated into the data directory on first start.</summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }

    /// <summary>
    /// Host names and IP addresses devices reach the hub by (a LAN name, an address, a load balancer's
    /// name), added to the generated serving certificate beside localhost, the machine name and loopback.
    /// </summary>
    public IList<string> PublicNames { get; } = new List<string>();

    public TimeSpan ModelRescanInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Device id → bearer key. A call without one of these keys is refused (until enrollment replaces this).</summary>
    public IDictionary<string, string> DeviceKeys { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Bearer key for the admin API (/api); at least 16 characters. When empty a random key is generated into admin.key in the data directory (owner-only) on first start.</summary>
    public string? AdminKey { get; set; }

    /// <summary>Largest admin API (/api) request body: small JSON documents. Model pushes have their own limit (Hub:Registry:MaxArtifactBytes).</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxAdminRequestBytes { get; set; } = 1024 * 1024;

    public string ModelsDirectory => Path.Combine(DataDirectory, "models");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IPAddress.TryParse(ListenAddress, out _))
        {
            yield return new ValidationResult($"ListenAddress '{ListenAddress}' is not an IP address.", [nameof(ListenAddress)]);
        }
        if (ModelRescanInterval < TimeSpan.FromSeconds(1))
        {
            yield return new ValidationResult($"ModelRescanInterval {ModelRescanInterval} must be at least 00:00:01.", [nameof(ModelRescanInterval)]);
        }
        foreach (var name in PublicNames)
        {
            if (!Security.ServingNames.IsValid(name))
            {
                yield return new ValidationResult($"PublicNames: '{name}' is not a host name or an IP address (no scheme, port or wildcard).", [nameof(PublicNames)]);
            }
        }
        if (PublicNames.Count > 0 && !string.IsNullOrEmpty(CertificatePath))
        {
            yield return new ValidationResult("PublicNames names the generated certificate; with CertificatePath the names are the configured certificate's own.", [nameof(PublicNames)]);
        }
        if (!string.IsNullOrEmpty(AdminKey) && AdminKey.Length < 16)
        {
            yield return new ValidationResult($"AdminKey is {AdminKey.Length} characters; use at least 16.", [nameof(AdminKey)]);
        }
        foreach (var (device, key) in DeviceKeys)
        {
            if (!Common.Sync.SyncTopics.IsValidDeviceId(device))
            {
                yield return new ValidationResult($"DeviceKeys:{device}: a device id is 1 to 64 characters from [A-Za-z0-9._-].", [nameof(DeviceKeys)]);
            }
            if (key.Length < 16)
            {
                yield return new ValidationResult($"DeviceKeys:{device} is {key.Length} characters; use at least 16.", [nameof(DeviceKeys)]);
            }
        }
    }
}

[OptionsValidator]
internal sealed partial class HubOptionsValidator : IValidateOptions<HubOptions>;

using EdgeAi.Agent.Hosting;
using EdgeAi.Common.Fleet;
using EdgeAi.Common.Security;
using Grpc.Core;

namespace EdgeAi.Agent.Enrollment;

/// <summary>What the person enrolling the device asked for (the flags of <c>edge-agent enroll</c>).</summary>
internal sealed record EnrollRequestOptions(string Hub, string Token, string? DeviceId, string? Fingerprint, string? CaCertificate, bool Insecure, bool Force);

/// <summary>Enrollment did not happen: the message says why and what to do (a flag to fix, the hub's refusal explained).</summary>
internal sealed class EnrollmentException : Exception
{
    public EnrollmentException(string message)
        : base(message)
    {
    }

    public EnrollmentException()
    {
    }

    public EnrollmentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Enrolls this device, once: checks everything that can be checked before the token leaves the device,
/// exchanges the token at the hub (<see cref="HubEnrollment"/>, its certificate checked first), and stores
/// what the hub sent — hub-ca.crt, model-signing.pub, then identity.json, which marks the device enrolled —
/// in the data directory, where <c>edge-agent run</c> finds it.
/// </summary>
internal static class DeviceEnrollment
{
    /// <exception cref="EnrollmentException">A flag is wrong, the device is enrolled already, or the hub refused or could not be reached.</exception>
    /// <exception cref="IOException">The identity could not be written (also <see cref="UnauthorizedAccessException"/>).</exception>
    public static async Task<DeviceIdentity> EnrollAsync(EnrollRequestOptions options, string dataDirectory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var hub = Check(options, dataDirectory);
        var trust = new HubCertificateValidator(options.Fingerprint, options.CaCertificate, options.Insecure);
        var request = new EnrollRequest
        {
            Token = options.Token.Trim(),
            RequestedDeviceId = options.DeviceId ?? "",
            Hostname = Environment.MachineName,
            AgentVersion = AgentHost.Version,
        };
        EnrollResponse response;
        try
        {
            response = await HubEnrollment.EnrollAsync(hub, trust, request, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw new EnrollmentException(HubEnrollment.Explain(e, trust), e);
        }
        var identity = new DeviceIdentity(response.DeviceId, response.DeviceKey, hub.GetLeftPart(UriPartial.Authority), HubEnrollment.BrokerUrl(hub, response),
            response.Tags.ToDictionary(StringComparer.Ordinal));
        Save(identity, response, dataDirectory);
        return identity;
    }

    /// <summary>Everything that can be checked before the token is sent anywhere.</summary>
    private static Uri Check(EnrollRequestOptions options, string dataDirectory)
    {
        if (!Uri.TryCreate(options.Hub, UriKind.Absolute, out var hub) || hub.Scheme is not ("https" or "http"))
        {
            throw new EnrollmentException($"--hub '{options.Hub}' must be an absolute https://host:port address");
        }
        if (hub.Scheme == "http" && !options.Insecure)
        {
            throw new EnrollmentException($"--hub '{options.Hub}' is plain http: the token and the device key would travel unencrypted; use https://, or --insecure for a development hub");
        }
        if (string.IsNullOrWhiteSpace(options.Token) || !options.Token.Contains('.', StringComparison.Ordinal))
        {
            throw new EnrollmentException("--token must be the whole token '{id}.{secret}' that 'cloud-hub tokens create' printed");
        }
        if (options.DeviceId is not null && !EdgeAi.Common.Sync.SyncTopics.IsValidDeviceId(options.DeviceId))
        {
            throw new EnrollmentException($"--device-id '{options.DeviceId}' must be 1 to 64 characters from A-Z, a-z, 0-9, '.', '_' and '-'");
        }
        if (options.Fingerprint is { } pin && !IsSha256Hex(pin.Replace(":", "", StringComparison.Ordinal).Trim()))
        {
            throw new EnrollmentException($"--fingerprint '{pin}' must be a SHA-256 in hex (64 digits, colons allowed)");
        }
        if (new[] { options.Fingerprint is not null, options.CaCertificate is not null, options.Insecure }.Count(set => set) > 1)
        {
            throw new EnrollmentException("pass only one of --fingerprint, --ca-cert and --insecure");
        }
        if (options.CaCertificate is { } ca && !File.Exists(ca))
        {
            throw new EnrollmentException($"--ca-cert '{ca}' does not exist");
        }
        if (!options.Force && DeviceIdentity.TryRead(dataDirectory) is { } existing)
        {
            throw new EnrollmentException(
                $"this device is already enrolled as {existing.DeviceId} at {existing.HubUrl} ({Path.Combine(dataDirectory, DeviceIdentity.FileName)}); pass --force to replace that identity");
        }
        return hub;
    }

    private static bool IsSha256Hex(string hex) => hex.Length == 64 && hex.All(char.IsAsciiHexDigit);

    private static void Save(DeviceIdentity identity, EnrollResponse response, string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        // The trust material first: identity.json is what marks the device enrolled.
        WriteOrRemove(Path.Combine(dataDirectory, DeviceIdentity.HubCaFileName), response.HubCaPem);
        WriteOrRemove(Path.Combine(dataDirectory, DeviceIdentity.SigningKeyFileName), response.SigningPublicKeyPem);
        // The outbox is encrypted once enrolled; a key kept from an earlier enrollment still opens the outbox written with it.
        var outboxKey = Path.Combine(dataDirectory, Outbox.OutboxKeyFile.FileName);
        if (!File.Exists(outboxKey))
        {
            Outbox.OutboxKeyFile.Create(outboxKey);
        }
        identity.Write(dataDirectory);
    }

    /// <summary>Writes a public file in one step, or removes a stale one the hub no longer sends (e.g. a hub now without TLS).</summary>
    private static void WriteOrRemove(string path, string content)
    {
        if (string.IsNullOrWhiteSpace(content))
        {
            File.Delete(path);
            return;
        }
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }
}

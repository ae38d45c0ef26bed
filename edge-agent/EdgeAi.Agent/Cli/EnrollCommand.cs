using System.CommandLine;
using EdgeAi.Agent.Enrollment;
using EdgeAi.Agent.Hosting;
using EdgeAi.Common.Fleet;
using EdgeAi.Common.Security;
using Grpc.Core;

namespace EdgeAi.Agent.Cli;

/// <summary>
/// <c>edge-agent enroll</c>: exchanges an enrollment token, once, for this device's identity, and
/// stores it (identity.json, hub-ca.crt, model-signing.pub) in the data directory, where
/// <c>edge-agent run</c> finds it.
/// </summary>
internal static class EnrollCommand
{
    public static Command Create()
    {
        var hub = new Option<string>("--hub") { Description = "The hub's address, e.g. https://hub.example:5001.", Required = true };
        var token = new Option<string>("--token") { Description = "The enrollment token from 'cloud-hub tokens create'.", Required = true };
        var deviceId = new Option<string?>("--device-id") { Description = "The id to ask for (1-64 of A-Z a-z 0-9 . _ -); default: the hub picks one from the host name." };
        var fingerprint = new Option<string?>("--fingerprint") { Description = "SHA-256 of the hub's certificate (hex, as printed by 'cloud-hub tokens create'): trust exactly that certificate." };
        var caCert = new Option<string?>("--ca-cert") { Description = "PEM of the CA the hub's certificate chains to." };
        var insecure = new Option<bool>("--insecure") { Description = "Development only: accept any certificate, or a plain http:// hub." };
        var force = new Option<bool>("--force") { Description = "Replace an identity this device already has." };
        var command = new Command("enroll", "Enroll this device with a hub, using an enrollment token; afterwards 'edge-agent run' connects with no other flags.")
        {
            hub, token, deviceId, fingerprint, caCert, insecure, force,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, new EnrollArguments(
            parse.GetRequiredValue(hub), parse.GetRequiredValue(token), parse.GetValue(deviceId), parse.GetValue(fingerprint),
            parse.GetValue(caCert), parse.GetValue(insecure), parse.GetValue(force)), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, EnrollArguments arguments, CancellationToken cancellationToken)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        var dataDirectory = DataDirectory(parse);
        HubCertificateValidator? trust = null;
        try
        {
            var hub = Check(arguments, dataDirectory);
            trust = new HubCertificateValidator(arguments.Fingerprint, arguments.CaCertificate, arguments.Insecure);
            var request = new EnrollRequest
            {
                Token = arguments.Token.Trim(),
                RequestedDeviceId = arguments.DeviceId ?? "",
                Hostname = Environment.MachineName,
                AgentVersion = AgentHost.Version,
            };
            var response = await HubEnrollment.EnrollAsync(hub, trust, request, cancellationToken).ConfigureAwait(false);
            var identity = new DeviceIdentity(response.DeviceId, response.DeviceKey, hub.GetLeftPart(UriPartial.Authority), HubEnrollment.BrokerUrl(hub, response),
                response.Tags.ToDictionary(StringComparer.Ordinal));
            Save(identity, response, dataDirectory);
            await Summarize(output, identity, dataDirectory, parse.GetValue(AgentCli.DataDirectory) is not null).ConfigureAwait(false);
            return 0;
        }
        catch (EnrollUsageException e)
        {
            await error.WriteLineAsync($"edge-agent enroll: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (RpcException e) when (trust is not null)
        {
            await error.WriteLineAsync($"edge-agent enroll: {HubEnrollment.Explain(e, trust)}").ConfigureAwait(false);
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            await error.WriteLineAsync($"edge-agent enroll: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>Everything that can be checked before the token is sent anywhere.</summary>
    private static Uri Check(EnrollArguments arguments, string dataDirectory)
    {
        if (!Uri.TryCreate(arguments.Hub, UriKind.Absolute, out var hub) || hub.Scheme is not ("https" or "http"))
        {
            throw new EnrollUsageException($"--hub '{arguments.Hub}' must be an absolute https://host:port address");
        }
        if (hub.Scheme == "http" && !arguments.Insecure)
        {
            throw new EnrollUsageException($"--hub '{arguments.Hub}' is plain http: the token and the device key would travel unencrypted; use https://, or --insecure for a development hub");
        }
        if (string.IsNullOrWhiteSpace(arguments.Token) || !arguments.Token.Contains('.', StringComparison.Ordinal))
        {
            throw new EnrollUsageException("--token must be the whole token '{id}.{secret}' that 'cloud-hub tokens create' printed");
        }
        if (arguments.DeviceId is not null && !EdgeAi.Common.Sync.SyncTopics.IsValidDeviceId(arguments.DeviceId))
        {
            throw new EnrollUsageException($"--device-id '{arguments.DeviceId}' must be 1 to 64 characters from A-Z, a-z, 0-9, '.', '_' and '-'");
        }
        if (arguments.Fingerprint is { } pin && !IsSha256Hex(pin.Replace(":", "", StringComparison.Ordinal).Trim()))
        {
            throw new EnrollUsageException($"--fingerprint '{pin}' must be a SHA-256 in hex (64 digits, colons allowed)");
        }
        if (new[] { arguments.Fingerprint is not null, arguments.CaCertificate is not null, arguments.Insecure }.Count(set => set) > 1)
        {
            throw new EnrollUsageException("pass only one of --fingerprint, --ca-cert and --insecure");
        }
        if (arguments.CaCertificate is { } ca && !File.Exists(ca))
        {
            throw new EnrollUsageException($"--ca-cert '{ca}' does not exist");
        }
        if (!arguments.Force && DeviceIdentity.TryRead(dataDirectory) is { } existing)
        {
            throw new EnrollUsageException(
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

    private static async Task Summarize(TextWriter output, DeviceIdentity identity, string dataDirectory, bool dataDirectoryGiven)
    {
        await output.WriteLineAsync($"Enrolled as {identity.DeviceId} at {identity.HubUrl}").ConfigureAwait(false);
        await output.WriteLineAsync($"  tags:     {(identity.Tags.Count == 0 ? "-" : string.Join(',', identity.Tags.Select(t => $"{t.Key}={t.Value}")))}").ConfigureAwait(false);
        await output.WriteLineAsync($"  broker:   {identity.BrokerUrl ?? "none offered (set Uplink:BrokerUrl)"}").ConfigureAwait(false);
        await output.WriteLineAsync($"  identity: {Path.Combine(dataDirectory, DeviceIdentity.FileName)} (owner-only), with {DeviceIdentity.HubCaFileName} and {DeviceIdentity.SigningKeyFileName}")
            .ConfigureAwait(false);
        var run = dataDirectoryGiven ? $"edge-agent run --data-dir {dataDirectory}" : "edge-agent run";
        await output.WriteLineAsync($"Start the agent with: {run}").ConfigureAwait(false);
    }

    private static string DataDirectory(ParseResult parse)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables("EDGEAI_")
            .AddInMemoryCollection(AgentCli.Overrides(parse))
            .Build();
        return configuration["Agent:DataDirectory"] is { Length: > 0 } configured ? configured : AgentOptions.DefaultDataDirectory();
    }

    private sealed record EnrollArguments(string Hub, string Token, string? DeviceId, string? Fingerprint, string? CaCertificate, bool Insecure, bool Force);

    private sealed class EnrollUsageException(string message) : Exception(message);
}

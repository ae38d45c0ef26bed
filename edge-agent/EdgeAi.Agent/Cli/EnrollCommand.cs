using System.CommandLine;
using EdgeAi.Agent.Enrollment;

namespace EdgeAi.Agent.Cli;

/// <summary>
/// <c>edge-agent enroll</c>: exchanges an enrollment token, once, for this device's identity, and
/// stores it (identity.json, hub-ca.crt, model-signing.pub) in the data directory, where
/// <c>edge-agent run</c> finds it. The verb and its output; the procedure is <see cref="DeviceEnrollment"/>.
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
        command.SetAction((parse, cancellationToken) => RunAsync(parse, new EnrollRequestOptions(
            parse.GetRequiredValue(hub), parse.GetRequiredValue(token), parse.GetValue(deviceId), parse.GetValue(fingerprint),
            parse.GetValue(caCert), parse.GetValue(insecure), parse.GetValue(force)), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, EnrollRequestOptions options, CancellationToken cancellationToken)
    {
        var dataDirectory = AgentCli.ResolveDataDirectory(parse);
        try
        {
            var identity = await DeviceEnrollment.EnrollAsync(options, dataDirectory, cancellationToken).ConfigureAwait(false);
            await Summarize(parse.InvocationConfiguration.Output, identity, dataDirectory, parse.GetValue(AgentCli.DataDirectory) is not null).ConfigureAwait(false);
            return 0;
        }
        catch (Exception e) when (e is EnrollmentException or IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"edge-agent enroll: {e.Message}").ConfigureAwait(false);
            return 1;
        }
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
}

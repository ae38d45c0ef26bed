using System.Security.Cryptography.X509Certificates;
using EdgeAi.Agent.Cloud;
using EdgeAi.Agent.Uplink;
using EdgeAi.Common.Diagnostics;
using EdgeAi.Common.Security;
using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Exceptions;

namespace EdgeAi.Agent.Diagnostics;

/// <summary>
/// An MQTT CONNECT to Uplink:BrokerUrl as this device (its id and key, the agent's TLS trust), then a
/// normal DISCONNECT. The broker allows one connection per device id, so a running agent is taken over
/// for a moment and reconnects; the session is kept (same expiry, no clean start) and nothing queued for
/// the device is acknowledged here, so the broker hands it to the agent when it is back.
/// </summary>
internal sealed class BrokerCheck(UplinkOptions uplink, CloudOptions cloud, string deviceId) : IDiagnosticCheck
{
    public const string Id = "broker";

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<IReadOnlyList<CheckResult>> RunAsync(CancellationToken cancellationToken)
    {
        if (!uplink.Enabled)
        {
            return [CheckResult.Warn(Id, "not configured (no Uplink:BrokerUrl): records wait in the outbox", "set Uplink:BrokerUrl (mqtts://HUB:8883), or enroll: the hub offers its broker")];
        }
        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            e.AutoAcknowledge = false;
            return Task.CompletedTask;
        };
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(uplink.Broker.Host, uplink.Port)
            .WithClientId(deviceId)
            .WithCredentials(deviceId, cloud.DeviceKey ?? "")
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)uplink.SessionExpiry.TotalSeconds)
            .WithTimeout(Timeout);
        if (uplink.UseTls)
        {
            var validator = new HubCertificateValidator(cloud.CertificateFingerprint, cloud.CaCertificatePath, cloud.AllowUntrustedCertificate);
            builder.WithTlsOptions(tls => tls
                .UseTls()
                .WithTargetHost(uplink.Broker.Host)
                .WithRevocationMode(X509RevocationMode.NoCheck)
                .WithCertificateValidationHandler(e => validator.Validate(e.Certificate, e.Chain, e.SslPolicyErrors)));
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            var result = await client.ConnectAsync(builder.Build(), timeout.Token).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                return [Refused(result.ResultCode, result.ReasonString)];
            }
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), timeout.Token)
                .ConfigureAwait(false);
            return [CheckResult.Ok(Id, $"{uplink.BrokerUrl} accepted {deviceId}'s credentials{(uplink.UseTls ? " over TLS" : " (no TLS: development only)")}")];
        }
        catch (MqttConnectingFailedException e)
        {
            // Its message names the broker's reason code (BadUserNameOrPassword, NotAuthorized, …).
            return [CheckResult.Fail(Id, $"{uplink.BrokerUrl} refused {deviceId}: {e.Message}", CredentialsFix)];
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return [CheckResult.Fail(Id, $"{uplink.BrokerUrl} did not answer within {Timeout.TotalSeconds:0} s", $"check the network path to {uplink.Broker.Host}:{uplink.Port} (Uplink:BrokerUrl)")];
        }
        catch (MqttCommunicationException e)
        {
            return [CheckResult.Fail(Id, $"{uplink.BrokerUrl} cannot be reached: {e.InnerException?.Message ?? e.Message}",
                $"check that the broker runs at {uplink.Broker.Host}:{uplink.Port} and this device trusts its certificate (Uplink:BrokerUrl, Cloud:CaCertificatePath)")];
        }
    }

    private CheckResult Refused(MqttClientConnectResultCode code, string? reason) => CheckResult.Fail(Id,
        $"{uplink.BrokerUrl} refused {deviceId}: {code}{(string.IsNullOrEmpty(reason) ? "" : $" ({reason})")}",
        code is MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized or MqttClientConnectResultCode.ClientIdentifierNotValid
            ? CredentialsFix
            : "see the broker's log for the reason");

    private const string CredentialsFix =
        "the device's id or key is not the hub's: check Agent:DeviceId and Cloud:DeviceKey, or enroll again (edge-agent enroll --force); a revoked device needs a new token";
}

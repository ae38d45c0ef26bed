using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using EdgeAi.Common.Diagnostics;
using EdgeAi.Hub.Broker;
using MQTTnet;
using MQTTnet.Exceptions;

namespace EdgeAi.Hub.Diagnostics;

/// <summary>
/// Embedded broker: each port free to bind, or already answering MQTT (this hub, running). External
/// broker: an MQTT CONNECT with the hub's credentials under a client id of its own (the hub's would
/// take over the running hub's session), then DISCONNECT.
/// </summary>
internal sealed class BrokerCheck(MqttOptions mqtt, string listenAddress) : IDiagnosticCheck
{
    public const string Id = "broker";

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<IReadOnlyList<CheckResult>> RunAsync(CancellationToken cancellationToken)
    {
        if (mqtt.UsesExternalBroker)
        {
            return [await ExternalAsync(mqtt.ExternalBrokerUri!, cancellationToken).ConfigureAwait(false)];
        }
        if (!mqtt.Enabled)
        {
            return [CheckResult.Warn(Id, "no broker (Hub:Mqtt:Enabled is false): devices cannot sync", "set Hub:Mqtt:Enabled=true, or Hub:Mqtt:ExternalBroker")];
        }
        var results = new List<CheckResult>();
        foreach (var (port, key, tls) in new[] { (mqtt.Port, "Hub:Mqtt:Port", false), (mqtt.TlsPort, "Hub:Mqtt:TlsPort", true) })
        {
            if (port is > 0)
            {
                results.Add(await PortAsync(port, key, tls, cancellationToken).ConfigureAwait(false));
            }
        }
        return results.Count > 0 ? results : [CheckResult.Ok(Id, "embedded, on ports picked at start (0) or off (-1)")];
    }

    private async Task<CheckResult> PortAsync(int port, string key, bool tls, CancellationToken cancellationToken)
    {
        var address = IPAddress.TryParse(listenAddress, out var parsed) ? parsed : IPAddress.Any;
        try
        {
            using var listener = new TcpListener(address, port);
            listener.Start();
            listener.Stop();
            return CheckResult.Ok($"{Id} {port}", $"embedded, port {port} ({key}) is free");
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            // Taken: by this hub (it answers MQTT) or by something else.
            return await AnswersMqttAsync(port, tls, cancellationToken).ConfigureAwait(false)
                ? CheckResult.Ok($"{Id} {port}", $"embedded, port {port} ({key}) is in use by a running MQTT broker (this hub)")
                : CheckResult.Fail($"{Id} {port}", $"port {port} ({key}) is taken by another program", $"free the port (ss -ltnp 'sport = :{port}') or set {key} to another one");
        }
        catch (SocketException e)
        {
            return CheckResult.Fail($"{Id} {port}", $"port {port} ({key}) cannot be bound: {e.Message}", $"set {key} to a port this user may bind (above 1023 without privileges)");
        }
    }

    private static async Task<bool> AnswersMqttAsync(int port, bool tls, CancellationToken cancellationToken)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var options = new MqttClientOptionsBuilder().WithTcpServer(IPAddress.Loopback.ToString(), port).WithClientId($"edgeai-hub-check-{Environment.ProcessId}")
            .WithCredentials("edgeai-hub-check", "-").WithTimeout(Timeout);
        if (tls)
        {
            // Only whether a broker answers is asked here; the certificate is the certificate check's.
            options.WithTlsOptions(t => t.UseTls().WithCertificateValidationHandler(_ => true));
        }
        try
        {
            await client.ConnectAsync(options.Build(), timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException)
        {
            return true; // a CONNACK refusing these made-up credentials is still a broker
        }
        catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<CheckResult> ExternalAsync(Uri broker, CancellationToken cancellationToken)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var tls = broker.Scheme == "mqtts";
        var port = broker.IsDefaultPort || broker.Port <= 0 ? (tls ? 8883 : 1883) : broker.Port;
        var options = new MqttClientOptionsBuilder().WithTcpServer(broker.Host, port).WithClientId($"{mqtt.ClientId}-check").WithCleanStart(true)
            .WithCredentials(mqtt.ExternalUsername ?? "", mqtt.ExternalPassword ?? "").WithTimeout(Timeout);
        if (tls)
        {
            options.WithTlsOptions(t => t.UseTls().WithRevocationMode(X509RevocationMode.NoCheck));
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        const string credentials = "check Hub:Mqtt:ExternalUsername and Hub:Mqtt:ExternalPassword against the broker's accounts";
        try
        {
            var result = await client.ConnectAsync(options.Build(), timeout.Token).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                return CheckResult.Fail(Id, $"{broker} refused the hub's credentials: {result.ResultCode} {result.ReasonString}", credentials);
            }
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token).ConfigureAwait(false);
            return CheckResult.Ok(Id, $"external {broker} accepted {mqtt.ExternalUsername}");
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException e)
        {
            return CheckResult.Fail(Id, $"{broker} refused the hub's credentials: {e.Message}", credentials);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return CheckResult.Fail(Id, $"{broker} did not answer within {Timeout.TotalSeconds:0} s", $"check that the broker runs at {broker.Host}:{port} (Hub:Mqtt:ExternalBroker)");
        }
        catch (MqttCommunicationException e)
        {
            return CheckResult.Fail(Id, $"{broker} cannot be reached: {e.InnerException?.Message ?? e.Message}", $"check that the broker runs at {broker.Host}:{port} (Hub:Mqtt:ExternalBroker)");
        }
    }
}

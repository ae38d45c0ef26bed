using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeAi.Common.Sync;
using EdgeAi.IntegrationTests.Cloud;
using Google.Protobuf;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAi.IntegrationTests.Sync;

/// <summary>Device-side MQTT clients, record batches and admin API calls for sync tests.</summary>
internal static class SyncTestKit
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public static MqttClientOptionsBuilder DeviceOptions(int port, string clientId, string? user, string? password) =>
        new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId)
            .WithCredentials(user, password)
            .WithTimeout(TimeSpan.FromSeconds(10));

    /// <summary>Connects and asserts that the broker accepted.</summary>
    public static async Task<IMqttClient> ConnectAsync(MqttClientOptions options, CancellationToken cancellationToken)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(options, cancellationToken);
        result.ResultCode.ShouldBe(MqttClientConnectResultCode.Success, result.ReasonString);
        return client;
    }

    public static Task<IMqttClient> ConnectDeviceAsync(int port, CancellationToken cancellationToken, string device = TestHub.DeviceId, string key = TestHub.DeviceKey) =>
        ConnectAsync(DeviceOptions(port, device, device, key).Build(), cancellationToken);

    public static MqttApplicationMessage Message(string topic, IMessage payload, bool retain = false) =>
        new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload.ToByteArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();

    /// <summary>Telemetry records seq first..first+count-1, created one second apart from <paramref name="createdUnixMs"/>.</summary>
    public static RecordBatch TelemetryBatch(long first, int count, long createdUnixMs = 1_700_000_000_000)
    {
        var batch = new RecordBatch { Stream = SyncTopics.Telemetry };
        for (var i = 0; i < count; i++)
        {
            var created = createdUnixMs + (i * 1000L);
            var telemetry = new Telemetry
            {
                WindowStartUnixMs = created - 1000,
                WindowEndUnixMs = created,
                Health = new DeviceHealth { CpuPercent = 12.5, AgentVersion = "1.2.3", Os = "linux" },
            };
            batch.Records.Add(new EdgeAi.Common.Sync.Record { Seq = first + i, CreatedUnixMs = created, Body = telemetry.ToByteString() });
        }
        return batch;
    }

    public static Status Online(string version = "1.2.3") =>
        new() { Online = true, AgentVersion = version, AtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), StartedUnixMs = 1_700_000_000_000 };

    /// <summary>An HTTPS client that trusts this hub's certificate (pinned by fingerprint).</summary>
    public static HttpClient Admin(TestHub hub, string? key = TestHub.AdminKey)
    {
        var handler = new SocketsHttpHandler();
        var fingerprint = hub.Fingerprint;
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate is not null && Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData())) == fingerprint;
        var client = new HttpClient(handler) { BaseAddress = hub.Uri };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return client;
    }

    public static async Task<JsonElement> GetJsonAsync(HttpClient client, string path, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        response.IsSuccessStatusCode.ShouldBeTrue(body);
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    /// <summary>Polls until <paramref name="condition"/> holds (or fails the test after <see cref="Timeout"/>).</summary>
    public static Task EventuallyAsync(Func<Task<bool>> condition, string what, CancellationToken cancellationToken, TimeSpan? within = null) =>
        EventuallyAsync(condition, () => what, cancellationToken, within);

    /// <summary>As above; <paramref name="what"/> is evaluated on failure (e.g. to include a broker's log as it is then).</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, Func<string> what, CancellationToken cancellationToken, TimeSpan? within = null)
    {
        var limit = within ?? Timeout;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        while (!await condition())
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"gave up after {limit} waiting for: {what()}");
            }
        }
    }
}

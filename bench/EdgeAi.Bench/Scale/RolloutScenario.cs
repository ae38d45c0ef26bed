using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EdgeAi.Common.Onnx;
using EdgeAi.Common.Sync;
using EdgeAi.Hub.Store;
using EdgeAi.Testing;
using EdgeAi.Testing.Hosts;
using EdgeAi.Testing.Mqtt;
using Google.Protobuf;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAi.Bench.Scale;

internal sealed record RolloutResult(string Hubs, int Devices, string Waves, TimeSpan Elapsed);

/// <summary>
/// A model rolled out in waves to every simulated device: each device is a real MQTT client that follows
/// its retained desired state and, as soon as it names the model, reports it active for that revision (as
/// an agent would after downloading it, minus the download). Timed from the deployment's creation to
/// "completed", through every wave's health gate.
/// </summary>
internal static class RolloutScenario
{
    public const string Waves = "10,50,100";
    private const string Model = "bench-classifier";

    public static async Task<RolloutResult> RunAsync(ScaleHubs hubs, IReadOnlyList<string> devices, CancellationToken cancellationToken)
    {
        var clients = new IMqttClient[devices.Count];
        var failures = new List<Exception>();
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, devices.Count), new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken }, async (i, ct) =>
                clients[i] = await ConnectAsync(hubs.MqttPort, devices[i], failures, ct).ConfigureAwait(false)).ConfigureAwait(false);
            var hub = hubs.Hubs[0];
            await Eventually.UntilAsync(async () => await KnownAsync(hub, cancellationToken).ConfigureAwait(false) >= devices.Count,
                () => $"the hub to know all {devices.Count} devices", cancellationToken, TimeSpan.FromMinutes(2)).ConfigureAwait(false);

            using var admin = AdminApi.AdminClient(hub);
            using (var model = new ByteArrayContent(SampleModels.Classifier()))
            {
                model.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                using var pushed = await admin.PostAsync(new Uri($"/api/models/{Model}/versions/1", UriKind.Relative), model, cancellationToken).ConfigureAwait(false);
                await EnsureAsync(pushed, "push the model", cancellationToken).ConfigureAwait(false);
            }
            var elapsed = Stopwatch.StartNew();
            using var created = await admin.PostAsync(new Uri("/api/deployments", UriKind.Relative),
                new StringContent($$"""{"model":"{{Model}}","version":"1","waves":[{{Waves}}],"healthTimeout":"10m"}""", Encoding.UTF8, "application/json"),
                cancellationToken).ConfigureAwait(false);
            await EnsureAsync(created, "create the deployment", cancellationToken).ConfigureAwait(false);
            using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            var id = body.RootElement.GetProperty("id").GetInt64();
            string? state = null;
            await Eventually.UntilAsync(async () =>
            {
                var view = await AdminApi.GetJsonAsync(admin, $"/api/deployments/{id}", cancellationToken).ConfigureAwait(false);
                state = view.GetProperty("state").GetString();
                return state is not ("running" or "paused") || failures.Count > 0;
            }, () => $"deployment {id} to complete (state {state})", cancellationToken, TimeSpan.FromMinutes(10), every: TimeSpan.FromMilliseconds(20)).ConfigureAwait(false);
            elapsed.Stop();
            if (failures.Count > 0)
            {
                throw new InvalidOperationException($"a simulated device failed to report: {failures[0].Message}");
            }
            if (state != "completed")
            {
                throw new InvalidOperationException($"deployment {id} ended {state}, not completed");
            }
            return new RolloutResult(hubs.Name, devices.Count, Waves, elapsed.Elapsed);
        }
        finally
        {
            foreach (var client in clients.Where(c => c is not null))
            {
                client.Dispose();
            }
        }
    }

    private static async Task<IMqttClient> ConnectAsync(int port, string device, List<Exception> failures, CancellationToken cancellationToken)
    {
        var client = await DeviceMqtt.ConnectAsync(DeviceMqtt.DeviceOptions(port, device, device, ScaleHubs.DeviceKey(device)).Build(), cancellationToken).ConfigureAwait(false);
        long seq = 0;
        long answered = -1;
        var desired = SyncTopics.For(device, SyncTopics.Desired);
        client.ApplicationMessageReceivedAsync += e =>
        {
            if (e.ApplicationMessage.Topic != desired)
            {
                return Task.CompletedTask;
            }
            var state = DesiredState.Parser.ParseFrom(e.ApplicationMessage.Payload);
            if (state.Models.Any(m => m.Name == Model) && Interlocked.Exchange(ref answered, state.Revision) != state.Revision)
            {
                var status = new DeploymentStatus { DesiredRevision = state.Revision, Model = Model, Version = "1", State = "active" };
                var batch = new RecordBatch { Stream = SyncTopics.Deployments, Epoch = 1 };
                batch.Records.Add(new Record { Seq = Interlocked.Increment(ref seq), CreatedUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Body = status.ToByteString() });
                // Not awaited in the handler: the PUBACK arrives on the loop that runs it.
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await client.PublishAsync(DeviceMqtt.Message(SyncTopics.For(device, SyncTopics.Deployments), batch), cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception failure) when (failure is not OutOfMemoryException)
                    {
                        lock (failures)
                        {
                            failures.Add(failure);
                        }
                    }
                }, cancellationToken);
            }
            return Task.CompletedTask;
        };
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(desired, MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken).ConfigureAwait(false);
        await client.PublishAsync(DeviceMqtt.Message(SyncTopics.For(device, SyncTopics.Status), DeviceMqtt.Online(), retain: true), cancellationToken).ConfigureAwait(false);
        return client;
    }

    private static async Task<int> KnownAsync(TestHub hub, CancellationToken cancellationToken)
    {
        await using var db = await hub.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await db.Devices.CountAsync(d => d.Online, cancellationToken).ConfigureAwait(false);
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"could not {what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        }
    }
}

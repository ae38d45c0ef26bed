using System.Collections.Concurrent;
using System.Threading.Channels;
using EdgeAi.Agent.Cli;
using EdgeAi.Agent.Cloud;
using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.SyncDown;
using EdgeAi.Common.Diagnostics;
using EdgeAi.Common.Fleet;
using EdgeAi.Common.Sync;
using EdgeAi.Serving.Hosting;
using Google.Protobuf;
using Grpc.Core;

namespace EdgeAi.Agent.Support;

/// <summary>
/// The hub's <c>support_bundle</c> command: <see cref="Handle"/> (on the MQTT receive path) only queues the
/// request id; this loop builds the bundle as the running agent sees itself (checks that would disturb it are
/// skipped) and uploads it with Fleet.UploadSupportBundle under the device key, retrying while the hub cannot
/// be reached. A request seen again (the hub keeps it retained until the bundle arrives, so a reconnect
/// delivers it anew) is not built twice by one run of the agent. Each outcome is reported as an event.
/// </summary>
internal sealed class SupportBundleUploads(
    IServiceProvider services, HubChannel hub, EventReporter events, TimeProvider time, LoopSupervisor supervisor, ILogger<SupportBundleUploads> logger)
    : BackgroundService, IDeviceCommandHandler
{
    private const int Waiting = 4;
    private const int MaxAttempts = 5;
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan UploadTimeout = TimeSpan.FromMinutes(2);

    private readonly Channel<string> _requests = Channel.CreateBounded<string>(new BoundedChannelOptions(Waiting) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly ConcurrentDictionary<string, byte> _seen = new(StringComparer.Ordinal);

    public string? Handle(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Name != SupportBundles.CommandName)
        {
            return null;
        }
        if (!SupportBundles.IsValidRequestId(command.Id))
        {
            return $"not acted on: '{command.Id}' is not a support bundle request id (sb-…)";
        }
        if (!_seen.TryAdd(command.Id, 0))
        {
            return $"support bundle {command.Id} was handled already";
        }
        if (!_requests.Writer.TryWrite(command.Id))
        {
            _seen.TryRemove(command.Id, out _);
            return $"not acted on: {Waiting} support bundles are waiting to be built already";
        }
        return $"building support bundle {command.Id}; it is uploaded to the hub when done";
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => supervisor.RunAsync("support-bundles", async token =>
    {
        await foreach (var requestId in _requests.Reader.ReadAllAsync(token).ConfigureAwait(false))
        {
            await DeliverAsync(requestId, token).ConfigureAwait(false);
        }
    }, stoppingToken);

    private async Task DeliverAsync(string requestId, CancellationToken cancellationToken)
    {
        SupportLog.Requested(logger, requestId);
        if (hub.Channel is not { } channel)
        {
            Fail(requestId, "no hub configured (Cloud:HubUrl): nowhere to upload it");
            return;
        }
        byte[] bundle;
        try
        {
            bundle = await BuildAsync(requestId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail(requestId, $"the bundle could not be built: {e.Message}");
            return;
        }
        var delay = FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var receipt = await UploadAsync(new EdgeAi.Common.Fleet.Fleet.FleetClient(channel), requestId, bundle, cancellationToken).ConfigureAwait(false);
                SupportLog.Uploaded(logger, requestId, receipt.SizeBytes, receipt.Sha256);
                events.Report("support_bundle_uploaded", EventReporter.Info, $"support bundle {requestId} uploaded ({receipt.SizeBytes} bytes)",
                    new Dictionary<string, string>(StringComparer.Ordinal) { ["id"] = requestId, ["bytes"] = receipt.SizeBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), ["sha256"] = receipt.Sha256 });
                return;
            }
            catch (RpcException e) when (IsTransient(e.StatusCode) && attempt < MaxAttempts && !cancellationToken.IsCancellationRequested)
            {
                SupportLog.UploadRetry(logger, requestId, attempt, delay, $"{e.StatusCode}: {e.Status.Detail}");
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                delay *= 2;
            }
            catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
            {
                Fail(requestId, $"the hub refused the upload ({e.StatusCode}): {e.Status.Detail}");
                return;
            }
        }
    }

    /// <summary>The bundle as this running agent sees itself, in memory: its size is bounded (logs are capped).</summary>
    private async Task<byte[]> BuildAsync(string requestId, CancellationToken cancellationToken)
    {
        var checks = await CheckReport.RunAsync(CheckCommand.Checks(services, live: true), cancellationToken).ConfigureAwait(false);
        var skipped = CheckCommand.LiveSkipped.Select(s => new SkippedCheck(s.Id, s.Reason)).ToList();
        var sources = BundleSourcesOf.Services(services, BundleMaker.Agent, requestId, checks, skipped);
        using var buffer = new MemoryStream();
        await SupportBundle.WriteAsync(buffer, sources, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private async Task<SupportBundleReceipt> UploadAsync(EdgeAi.Common.Fleet.Fleet.FleetClient client, string requestId, byte[] bundle, CancellationToken cancellationToken)
    {
        using var call = client.UploadSupportBundle(hub.Headers, time.GetUtcNow().UtcDateTime + UploadTimeout, cancellationToken);
        try
        {
            for (var offset = 0; offset < bundle.Length || offset == 0; offset += SupportBundles.ChunkBytes)
            {
                var length = Math.Min(SupportBundles.ChunkBytes, bundle.Length - offset);
                await call.RequestStream.WriteAsync(new SupportBundleChunk
                {
                    RequestId = offset == 0 ? requestId : "",
                    Data = UnsafeByteOperations.UnsafeWrap(bundle.AsMemory(offset, length)),
                }, cancellationToken).ConfigureAwait(false);
            }
            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // The hub ended the call early (a refusal): its status is in the response.
        }
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    private void Fail(string requestId, string reason)
    {
        SupportLog.Failed(logger, requestId, reason);
        events.Report("support_bundle_failed", EventReporter.Warning, $"support bundle {requestId} not delivered: {reason}",
            new Dictionary<string, string>(StringComparer.Ordinal) { ["id"] = requestId });
    }

    private static bool IsTransient(StatusCode code) => code is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown or StatusCode.Aborted;
}

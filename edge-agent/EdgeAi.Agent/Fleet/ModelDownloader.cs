using System.Security.Cryptography;
using EdgeAi.Agent.Cloud;
using EdgeAi.Agent.Hosting;
using EdgeAi.Common.Fleet;
using EdgeAi.Common.Sync;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Fleet;

/// <summary>A downloaded artifact and the sha256 the hub's stream stated for it (null when the file was already whole).</summary>
internal sealed record DownloadResult(string Path, string? HubSha256);

/// <summary>
/// Fetches a model artifact over the hub's Fleet.DownloadModel stream into
/// {DataDirectory}/downloads/{name}/{version}.part. Each attempt asks for the bytes after what the
/// file already holds, so a cut (or a restart) resumes where it stopped; every chunk must continue
/// the file exactly and describe the same artifact (size, sha256) as the desired state. An attempt
/// lasts at most DownloadAttemptTimeout; failed attempts back off with jitter, and after
/// MaxDownloadAttempts without progress the download waits for the reconciler's next round.
/// </summary>
internal sealed class ModelDownloader
{
    private readonly HubChannel _hub;
    private readonly FleetOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ModelDownloader> _logger;

    public ModelDownloader(HubChannel hub, IOptions<FleetOptions> options, IOptions<AgentOptions> agent, TimeProvider time, ILogger<ModelDownloader> logger)
    {
        ArgumentNullException.ThrowIfNull(agent);
        _hub = hub;
        _options = options.Value;
        _time = time;
        _logger = logger;
        Directory = Path.Combine(agent.Value.DataDirectory, "downloads");
    }

    public string Directory { get; }

    public string PartPath(string name, string version) => Path.Combine(Directory, name, version + ".part");

    public async Task<DownloadResult> DownloadAsync(DesiredModel model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        var channel = _hub.Channel ?? throw new DeploymentException("no hub configured (Cloud:HubUrl): cannot download the model");
        var client = new EdgeAi.Common.Fleet.Fleet.FleetClient(channel);
        var path = PartPath(model.Name, model.Version);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (File.Exists(path) && string.Equals(await Sha256Async(path, cancellationToken).ConfigureAwait(false), model.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            return new DownloadResult(path, null); // downloaded before a restart, not installed yet
        }

        var artifact = new ArtifactState();
        var failures = 0;
        while (true)
        {
            var offset = File.Exists(path) ? new FileInfo(path).Length : 0;
            string problem;
            try
            {
                if (offset > 0)
                {
                    FleetLog.DownloadResumed(_logger, model.Name, model.Version, offset);
                }
                var written = await AttemptAsync(client, model, path, offset, artifact, cancellationToken).ConfigureAwait(false);
                if (artifact.TotalSize is not { } total || offset + written == total)
                {
                    return new DownloadResult(path, artifact.Sha256);
                }
                problem = $"the stream ended at byte {offset + written} of {total}";
                failures = written > 0 ? 1 : failures + 1;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.OutOfRange or StatusCode.InvalidArgument && offset > 0)
            {
                // The hub will not continue from our offset: the partial file does not belong to this artifact.
                File.Delete(path);
                artifact = new ArtifactState();
                problem = $"the hub refused to resume at byte {offset} ({e.Status.Detail}); starting over";
                failures++;
            }
            catch (RpcException e) when (IsPermanent(e.StatusCode))
            {
                throw new DeploymentException($"the hub refused the download: {e.StatusCode}: {e.Status.Detail}", e);
            }
            catch (ArtifactMismatchException e)
            {
                File.Delete(path);
                artifact = new ArtifactState();
                problem = e.Message + "; starting over";
                failures++;
            }
            catch (Exception e) when (e is RpcException or IOException or OperationCanceledException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                var now = File.Exists(path) ? new FileInfo(path).Length : 0;
                // Not our caller's cancellation (filtered above): the attempt's own time limit.
                problem = e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled }
                    ? $"the attempt took longer than Fleet:DownloadAttemptTimeout ({_options.DownloadAttemptTimeout})"
                    : Describe(e);
                failures = now > offset ? 1 : failures + 1;
            }
            if (failures >= _options.MaxDownloadAttempts)
            {
                throw new DeploymentException($"download interrupted: {problem}", retryLater: true);
            }
            var delay = Backoff.Delay(_options.RetryDelay, _options.MaxRetryDelay, failures);
            FleetLog.DownloadInterrupted(_logger, model.Name, model.Version, File.Exists(path) ? new FileInfo(path).Length : 0, failures, delay, problem);
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One call from <paramref name="offset"/>; returns the bytes appended.</summary>
    private async Task<long> AttemptAsync(
        EdgeAi.Common.Fleet.Fleet.FleetClient client, DesiredModel model, string path, long offset, ArtifactState artifact, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(_options.DownloadAttemptTimeout);
        var request = new DownloadModelRequest { Name = model.Name, Version = model.Version, Offset = offset };
        using var call = client.DownloadModel(request, new CallOptions(_hub.Headers, cancellationToken: attempt.Token));
        // Unbuffered: each chunk reaches the file as it arrives, so even a killed process resumes after it.
        var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 0, useAsync: true);
        long written = 0;
        await using (file.ConfigureAwait(false))
        {
            try
            {
                await foreach (var chunk in call.ResponseStream.ReadAllAsync(attempt.Token).ConfigureAwait(false))
                {
                    artifact.Check(model, chunk, offset + written);
                    await file.WriteAsync(chunk.Data.Memory, attempt.Token).ConfigureAwait(false);
                    written += chunk.Data.Length;
                }
            }
            finally
            {
                // Keep what arrived: the next attempt resumes after it.
                await file.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }
        }
        return written;
    }

    private static bool IsPermanent(StatusCode code) =>
        code is StatusCode.NotFound or StatusCode.PermissionDenied or StatusCode.Unauthenticated or StatusCode.Unimplemented
            or StatusCode.FailedPrecondition or StatusCode.InvalidArgument;

    private static string Describe(Exception e) => e is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : e.Message;

    private static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>What the stream said about the artifact so far; every chunk must agree with it and with the desired state.</summary>
    private sealed class ArtifactState
    {
        public long? TotalSize { get; private set; }

        public string? Sha256 { get; private set; }

        public void Check(DesiredModel model, ModelChunk chunk, long position)
        {
            if (!string.Equals(chunk.Sha256, model.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new DeploymentException($"the hub serves an artifact with sha256 {chunk.Sha256}, but the desired state asks for {model.Sha256}");
            }
            if (chunk.Offset != position)
            {
                throw new ArtifactMismatchException($"a chunk starts at byte {chunk.Offset}, but the file holds {position} bytes");
            }
            if (TotalSize is { } total && chunk.TotalSize != total)
            {
                throw new ArtifactMismatchException($"the artifact's size changed from {total} to {chunk.TotalSize} bytes during the download");
            }
            if (chunk.Offset + chunk.Data.Length > chunk.TotalSize)
            {
                throw new ArtifactMismatchException($"a chunk ends at byte {chunk.Offset + chunk.Data.Length}, past the artifact's {chunk.TotalSize} bytes");
            }
            TotalSize = chunk.TotalSize;
            Sha256 = chunk.Sha256;
        }
    }

    private sealed class ArtifactMismatchException(string message) : Exception(message);
}

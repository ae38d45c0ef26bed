using System.Security.Cryptography;
using EdgeAi.Agent.Cloud;
using EdgeAi.Agent.Hosting;
using EdgeAi.Common.Fleet;
using EdgeAi.Common.Sync;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace EdgeAi.Agent.SyncDown;

/// <summary>A downloaded artifact and the sha256 the hub's stream stated for it (null when the file was already whole).</summary>
internal sealed record DownloadResult(string Path, string? HubSha256);

/// <summary>
/// Fetches a model artifact over the hub's Fleet.DownloadModel stream into
/// {DataDirectory}/downloads/{name}/{version}.part. Each attempt asks for the bytes after what the
/// file already holds, so a cut (or a restart) resumes where it stopped; every chunk must continue
/// the file exactly and describe the same artifact (size, sha256) as the desired state. Attempts run
/// through one Polly pipeline: each lasts at most DownloadAttemptTimeout, and one that got nothing
/// further is retried with exponential backoff and jitter, up to MaxDownloadAttempts; then the
/// download waits for the reconciler's next round. An attempt that did move the file on resumes at
/// once from its new offset, its attempts counted afresh.
/// </summary>
internal sealed class ModelDownloader
{
    private static readonly ResiliencePropertyKey<DownloadRun> RunKey = new("edgeai.download");
    private readonly HubChannel _hub;
    private readonly FleetOptions _options;
    private readonly ILogger<ModelDownloader> _logger;
    private readonly ResiliencePipeline _attempts;

    public ModelDownloader(HubChannel hub, IOptions<FleetOptions> options, IOptions<AgentOptions> agent, TimeProvider time, ILogger<ModelDownloader> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(agent);
        _hub = hub;
        _options = options.Value;
        _logger = logger;
        _attempts = Attempts(time);
        Directory = Path.Combine(agent.Value.DataDirectory, "downloads");
    }

    public string Directory { get; }

    /// <summary>Where a download lands; a variant other than fp32 has its own file, so one variant's bytes never resume another's.</summary>
    public string PartPath(string name, string version, string? variant = null) =>
        Path.Combine(Directory, name, (ModelVariants.IsDefault(variant) ? version : $"{version}.{variant}") + ".part");

    public async Task<DownloadResult> DownloadAsync(DesiredModel model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        var channel = _hub.Channel ?? throw new DeploymentException("no hub configured (Cloud:HubUrl): cannot download the model");
        var run = new DownloadRun(new EdgeAi.Common.Fleet.Fleet.FleetClient(channel), model, PartPath(model.Name, model.Version, model.Variant));
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(run.Path)!);
        if (File.Exists(run.Path) && string.Equals(await Sha256Async(run.Path, cancellationToken).ConfigureAwait(false), model.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            return new DownloadResult(run.Path, null); // downloaded before a restart, not installed yet
        }
        while (true)
        {
            var context = ResilienceContextPool.Shared.Get(cancellationToken);
            context.Properties.Set(RunKey, run);
            try
            {
                await _attempts.ExecuteAsync(static (context, self) => self.AttemptAsync(context), context, this).ConfigureAwait(false);
                return new DownloadResult(run.Path, run.Artifact.Sha256);
            }
            catch (Exception e) when (IsInterruption(e) && !cancellationToken.IsCancellationRequested)
            {
                if (!run.Progressed)
                {
                    throw new DeploymentException($"download interrupted: {Describe(e)}", retryLater: true);
                }
                // The attempt got further before it failed: resume from the new offset now, with a fresh count of attempts.
                SyncDownLog.DownloadInterrupted(_logger, model.Name, model.Version, run.Length, 1, TimeSpan.Zero, Describe(e));
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }
    }

    /// <summary>Per-attempt timeout inside a retry of the attempts that got nothing further (exponential backoff, jitter).</summary>
    private ResiliencePipeline Attempts(TimeProvider time)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (_options.MaxDownloadAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } e && IsInterruption(e) && !args.Context.CancellationToken.IsCancellationRequested
                    && !args.Context.Properties.GetValue(RunKey, null!).Progressed),
                MaxRetryAttempts = _options.MaxDownloadAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.RetryDelay,
                MaxDelay = _options.MaxRetryDelay,
                OnRetry = args =>
                {
                    var run = args.Context.Properties.GetValue(RunKey, null!);
                    SyncDownLog.DownloadInterrupted(_logger, run.Model.Name, run.Model.Version, run.Length, args.AttemptNumber + 1, args.RetryDelay, Describe(args.Outcome.Exception!));
                    return default;
                },
            });
        }
        return builder.AddTimeout(_options.DownloadAttemptTimeout).Build();
    }

    /// <summary>One attempt: the bytes after what the file holds. Complete, or it throws what stopped it.</summary>
    private async ValueTask AttemptAsync(ResilienceContext context)
    {
        var run = context.Properties.GetValue(RunKey, null!);
        var attempt = context.CancellationToken; // the caller's token, cancelled by the per-attempt timeout too
        var offset = run.Begin();
        if (offset > 0)
        {
            SyncDownLog.DownloadResumed(_logger, run.Model.Name, run.Model.Version, offset);
        }
        long written;
        try
        {
            written = await StreamAsync(run, offset, attempt).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.OutOfRange or StatusCode.InvalidArgument && offset > 0)
        {
            // The hub will not continue from our offset: the partial file does not belong to this artifact.
            run.StartOver();
            throw new DownloadInterruptedException($"the hub refused to resume at byte {offset} ({e.Status.Detail}); starting over", e);
        }
        catch (RpcException e) when (IsPermanent(e.StatusCode))
        {
            throw new DeploymentException($"the hub refused the download: {e.StatusCode}: {e.Status.Detail}", e);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && attempt.IsCancellationRequested)
        {
            // gRPC reports a cancelled call as CANCELLED: said as cancellation, the timeout strategy knows its own timeout.
            throw new OperationCanceledException(e.Message, e, attempt);
        }
        catch (ArtifactMismatchException e)
        {
            run.StartOver();
            throw new DownloadInterruptedException(e.Message + "; starting over", e);
        }
        if (run.Artifact.TotalSize is { } total && offset + written != total)
        {
            throw new DownloadInterruptedException($"the stream ended at byte {offset + written} of {total}");
        }
    }

    /// <summary>What a later attempt may get past: a cut, a timeout, a refused resume, a stream that did not add up.</summary>
    private static bool IsInterruption(Exception e) => e is DownloadInterruptedException or TimeoutRejectedException or RpcException
        or IOException or HttpRequestException or OperationCanceledException;

    /// <summary>One call from <paramref name="offset"/>; returns the bytes appended.</summary>
    private async Task<long> StreamAsync(DownloadRun run, long offset, CancellationToken cancellationToken)
    {
        var request = new DownloadModelRequest { Name = run.Model.Name, Version = run.Model.Version, Offset = offset, Variant = run.Model.Variant };
        using var call = run.Client.DownloadModel(request, new CallOptions(_hub.Headers, cancellationToken: cancellationToken));
        // Unbuffered: each chunk reaches the file as it arrives, so even a killed process resumes after it.
        var file = new FileStream(run.Path, FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 0, useAsync: true);
        long written = 0;
        await using (file.ConfigureAwait(false))
        {
            try
            {
                await foreach (var chunk in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    run.Artifact.Check(run.Model, chunk, offset + written);
                    await file.WriteAsync(chunk.Data.Memory, cancellationToken).ConfigureAwait(false);
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

    private string Describe(Exception e) => e switch
    {
        TimeoutRejectedException or OperationCanceledException => $"the attempt took longer than Fleet:DownloadAttemptTimeout ({_options.DownloadAttemptTimeout})",
        RpcException rpc => $"{rpc.StatusCode}: {rpc.Status.Detail}",
        _ => e.Message,
    };

    private static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>One download: the file it fills, what the stream said about the artifact, and whether the last attempt got further.</summary>
    private sealed class DownloadRun(EdgeAi.Common.Fleet.Fleet.FleetClient client, DesiredModel model, string path)
    {
        private long _attemptStart;

        public EdgeAi.Common.Fleet.Fleet.FleetClient Client { get; } = client;

        public DesiredModel Model { get; } = model;

        public string Path { get; } = path;

        public ArtifactState Artifact { get; private set; } = new();

        /// <summary>Bytes in the file now.</summary>
        public long Length => File.Exists(Path) ? new FileInfo(Path).Length : 0;

        /// <summary>Whether the attempt under way (or the last one) added to the file.</summary>
        public bool Progressed => Length > _attemptStart;

        /// <summary>Starts an attempt; returns the offset it asks for.</summary>
        public long Begin() => _attemptStart = Length;

        /// <summary>The file is not this artifact's: drop it and what the stream said, and start from byte 0.</summary>
        public void StartOver()
        {
            File.Delete(Path);
            Artifact = new ArtifactState();
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

    /// <summary>An attempt that stopped short in a way a later attempt can get past.</summary>
    private sealed class DownloadInterruptedException(string message, Exception? inner = null) : Exception(message, inner);
}

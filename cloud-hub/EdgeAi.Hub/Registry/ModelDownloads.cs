using EdgeAi.Common.Fleet;
using EdgeAi.Hub.Deployments;
using EdgeAi.Hub.Store;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Registry;

/// <summary>
/// Streams a registered artifact to a device in chunks from any offset, so a cut download resumes
/// where it stopped. A device may fetch only a version its desired state names.
/// </summary>
internal sealed class ModelDownloads(
    IDbContextFactory<HubDbContext> store,
    ModelRegistry registry,
    IOptions<RegistryOptions> options,
    DownloadMetrics metrics,
    TimeProvider time,
    ILogger<ModelDownloads> logger)
{
    public async Task StreamAsync(string deviceId, DownloadModelRequest request, IServerStreamWriter<ModelChunk> responseStream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        var (name, version, offset) = (request.Name, request.Version, request.Offset);
        var variant = ModelVariants.Normalize(request.Variant);
        if (ModelRegistry.CheckNames(name, version) is { } invalid)
        {
            throw Refuse(deviceId, name, version, StatusCode.InvalidArgument, invalid.Detail);
        }
        if (!ModelVariants.IsKnown(variant))
        {
            throw Refuse(deviceId, name, version, StatusCode.InvalidArgument, $"variant '{request.Variant}' is unknown: ask for fp32, int8 or fp16 (empty means fp32)");
        }
        var model = await registry.FindAsync(name, version, cancellationToken).ConfigureAwait(false)
            ?? throw Refuse(deviceId, name, version, StatusCode.NotFound, $"the hub has no model '{name}' version '{version}'");
        var (sha256, size) = (model.Sha256, model.SizeBytes);
        if (!ModelVariants.IsDefault(variant))
        {
            var row = await registry.FindVariantAsync(name, version, variant, cancellationToken).ConfigureAwait(false)
                ?? throw Refuse(deviceId, name, version, StatusCode.NotFound, $"the hub has no {variant} variant of '{name}' version '{version}'");
            (sha256, size) = (row.Sha256, row.SizeBytes);
        }
        var desired = await DesiredVariantAsync(deviceId, name, version, cancellationToken).ConfigureAwait(false);
        if (desired is null)
        {
            throw Refuse(deviceId, name, version, StatusCode.PermissionDenied,
                $"'{name}' version '{version}' is not in device {deviceId}'s desired state; a device may download only what it is asked to run");
        }
        if (desired != variant)
        {
            throw Refuse(deviceId, name, version, StatusCode.PermissionDenied,
                $"device {deviceId}'s desired state names the {desired} variant of '{name}' version '{version}', not {variant}; a device may download only what it is asked to run");
        }
        if (offset < 0)
        {
            throw Refuse(deviceId, name, version, StatusCode.InvalidArgument, $"offset {offset} is negative; the artifact is {size} bytes");
        }
        if (offset > size)
        {
            throw Refuse(deviceId, name, version, StatusCode.OutOfRange,
                $"offset {offset} is past the end of the artifact ({size} bytes); start again from 0 if the partial file is not this artifact");
        }
        FileStream file;
        try
        {
            file = new FileStream(registry.ArtifactPath(name, version, variant), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Refuse(deviceId, name, version, StatusCode.DataLoss, $"the {variant} artifact of '{name}' version '{version}' is missing from the hub's artifact directory");
        }
        await using (file.ConfigureAwait(false))
        {
            metrics.Start(offset);
            Log.DownloadStarted(logger, deviceId, name, version, offset, size);
            file.Seek(offset, SeekOrigin.Begin);
            var settings = options.Value;
            var buffer = new byte[settings.DownloadChunkBytes];
            var started = time.GetTimestamp();
            long sent = 0;
            do
            {
                var read = await file.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                // Serialized before WriteAsync returns, so the buffer may be reused for the next chunk.
                await responseStream.WriteAsync(new ModelChunk
                {
                    Offset = offset + sent,
                    Data = UnsafeByteOperations.UnsafeWrap(buffer.AsMemory(0, read)),
                    TotalSize = size,
                    Sha256 = sha256,
                }, cancellationToken).ConfigureAwait(false);
                sent += read;
                metrics.Sent(read);
                if (settings.DownloadBytesPerSecond > 0)
                {
                    var due = TimeSpan.FromSeconds((double)sent / settings.DownloadBytesPerSecond) - time.GetElapsedTime(started);
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, time, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            // At the end (offset == size included) one chunk still goes out, so the device learns size and sha256.
            while (offset + sent < size);
        }
    }

    private async Task<string?> DesiredVariantAsync(string deviceId, string name, string version, CancellationToken cancellationToken)
    {
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            return await DesiredVariants.ForDeviceAsync(db, deviceId, name, version, cancellationToken).ConfigureAwait(false);
        }
    }

    private RpcException Refuse(string deviceId, string name, string version, StatusCode code, string detail)
    {
        Log.DownloadRefused(logger, deviceId, name, version, detail);
        return new RpcException(new Grpc.Core.Status(code, detail));
    }
}

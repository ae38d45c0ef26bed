using System.Globalization;
using System.Security.Cryptography;
using EdgeAi.Common.Fleet;
using EdgeAi.Common.Sync;
using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Security;
using Grpc.Core;
using Status = Grpc.Core.Status;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Support;

/// <summary>
/// The UploadSupportBundle method of the fleet gRPC service: a device streams the bundle it was asked for. Refused
/// with PERMISSION_DENIED unless the request id was issued to the device the bearer key names, ALREADY_EXISTS once
/// that bundle arrived, RESOURCE_EXHAUSTED past Hub:SupportBundles:MaxBundleBytes. The bytes go to a scratch file
/// and are moved into place only when whole, then the request is marked received.
/// </summary>
[BindServiceMethod(typeof(SupportBundleUploadService), nameof(BindService))]
internal sealed class SupportBundleUploadService(
    SupportBundleStore bundles, SupportBundleRequests requests, IOptions<SupportBundleOptions> options, TimeProvider time, ILogger<SupportBundleUploadService> logger)
    : Common.Fleet.Fleet.FleetBase
{
    public static void BindService(ServiceBinderBase binder, Common.Fleet.Fleet.FleetBase? service) => FleetGrpc.Bind(binder, "UploadSupportBundle");

    /// <summary>Mapped behind the device policy: the device is the one the bearer key names.</summary>
    public override async Task<SupportBundleReceipt> UploadSupportBundle(IAsyncStreamReader<SupportBundleChunk> requestStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(context);
        if (context.GetHttpContext().User.FindFirst(DeviceKeyAuthentication.DeviceIdClaim)?.Value is not { } deviceId)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "send 'authorization: Bearer <device key>'"));
        }
        var cancellationToken = context.CancellationToken;
        if (!await requestStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            throw Refuse(deviceId, StatusCode.InvalidArgument, "the upload is empty: the first chunk must carry the request_id of the support_bundle command");
        }
        var requestId = requestStream.Current.RequestId;
        if (!SupportBundles.IsValidRequestId(requestId))
        {
            throw Refuse(deviceId, StatusCode.InvalidArgument, $"request_id '{requestId}' is not a support bundle request id: the first chunk must carry the id of the support_bundle command (sb-…)");
        }
        var bundle = bundles.Find(deviceId, requestId)
            ?? throw Refuse(deviceId, StatusCode.PermissionDenied, $"support bundle request {requestId} was not issued to device {deviceId}");
        if (bundle.Status == SupportBundleInfo.Received)
        {
            throw Refuse(deviceId, StatusCode.AlreadyExists, $"support bundle {requestId} was received already at {bundle.ReceivedAt:u}");
        }
        var (size, sha256) = await ReceiveAsync(deviceId, requestId, requestStream, cancellationToken).ConfigureAwait(false);
        bundles.Save(bundle with { Status = SupportBundleInfo.Received, ReceivedAt = time.GetUtcNow(), SizeBytes = size, Sha256 = sha256 });
        Log.Received(logger, requestId, deviceId, size);
        await requests.RetainNewestWaitingAsync(deviceId, cancellationToken).ConfigureAwait(false);
        return new SupportBundleReceipt { RequestId = requestId, SizeBytes = size, Sha256 = sha256 };
    }

    private async Task<(long Size, string Sha256)> ReceiveAsync(string deviceId, string requestId, IAsyncStreamReader<SupportBundleChunk> chunks, CancellationToken cancellationToken)
    {
        var max = options.Value.MaxBundleBytes;
        var part = bundles.PartPath(deviceId, requestId);
        try
        {
            long size = 0;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // a bundle is the device's business
            }
            var file = new FileStream(part, create);
            await using (file.ConfigureAwait(false))
            {
                do
                {
                    var chunk = chunks.Current;
                    if (chunk.RequestId.Length > 0 && chunk.RequestId != requestId)
                    {
                        throw Refuse(deviceId, StatusCode.InvalidArgument, $"a chunk names request {chunk.RequestId} in the upload of {requestId}: one upload carries one bundle");
                    }
                    size += chunk.Data.Length;
                    if (size > max)
                    {
                        throw Refuse(deviceId, StatusCode.ResourceExhausted, string.Create(CultureInfo.InvariantCulture,
                            $"the support bundle is over the hub's limit of {max} bytes (Hub:SupportBundles:MaxBundleBytes)"));
                    }
                    hash.AppendData(chunk.Data.Span);
                    await file.WriteAsync(chunk.Data.Memory, cancellationToken).ConfigureAwait(false);
                }
                while (await chunks.MoveNext(cancellationToken).ConfigureAwait(false));
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            if (size == 0)
            {
                throw Refuse(deviceId, StatusCode.InvalidArgument, "the support bundle is empty (0 bytes)");
            }
            File.Move(part, bundles.ArchivePath(deviceId, requestId), overwrite: true);
            return (size, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
        finally
        {
            File.Delete(part);
        }
    }

    private RpcException Refuse(string deviceId, StatusCode code, string detail)
    {
        Log.Refused(logger, deviceId, detail);
        return new RpcException(new Status(code, detail));
    }
}

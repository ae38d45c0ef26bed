using EdgeAi.Common.Fleet;
using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Security;
using Grpc.Core;

namespace EdgeAi.Hub.Registry;

/// <summary>The DownloadModel method of the fleet gRPC service (edgeai.fleet.v1.Fleet): a registered artifact, resumable, for the device the key names.</summary>
[BindServiceMethod(typeof(ModelDownloadService), nameof(BindService))]
internal sealed class ModelDownloadService(ModelDownloads downloads) : Common.Fleet.Fleet.FleetBase
{
    public static void BindService(ServiceBinderBase binder, Common.Fleet.Fleet.FleetBase? service) => FleetGrpc.Bind(binder, "DownloadModel");

    /// <summary>Mapped behind the device policy: the device is the one the bearer key names.</summary>
    public override Task DownloadModel(DownloadModelRequest request, IServerStreamWriter<ModelChunk> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.GetHttpContext().User.FindFirst(DeviceKeyAuthentication.DeviceIdClaim)?.Value is not { } deviceId)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "send 'authorization: Bearer <device key>'"));
        }
        return downloads.StreamAsync(deviceId, request, responseStream, context.CancellationToken);
    }
}

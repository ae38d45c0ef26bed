using EdgeAi.Common.Fleet;
using EdgeAi.Hub.Registry;
using EdgeAi.Hub.Security;
using Grpc.Core;

namespace EdgeAi.Hub.Fleet;

internal sealed partial class FleetService
{
    /// <summary>Authorised by the device bearer key (DeviceAuthentication put the device id in the call's items).</summary>
    public override Task DownloadModel(DownloadModelRequest request, IServerStreamWriter<ModelChunk> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.GetHttpContext();
        if (http.Items[DeviceAuthentication.DeviceIdItem] is not string deviceId)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "send 'authorization: Bearer <device key>'"));
        }
        return http.RequestServices.GetRequiredService<ModelDownloads>().StreamAsync(deviceId, request, responseStream, context.CancellationToken);
    }
}

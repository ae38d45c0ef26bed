using EdgeAi.Common.Fleet;
using EdgeAi.Hub.Enrollment;
using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Security;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Fleet;

/// <summary>
/// The fleet gRPC service (edgeai.fleet.v1.Fleet): enrollment here, model download beside it.
/// Enrollment resolves its services per call, so this part adds no constructor to the class.
/// </summary>
internal sealed partial class FleetService : EdgeAi.Common.Fleet.Fleet.FleetBase
{
    /// <summary>Exchanges an enrollment token for a device id, key, the hub's CA and the model-signing public key.</summary>
    public override async Task<EnrollResponse> Enroll(EnrollRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var services = context.GetHttpContext().RequestServices;
        var enroller = services.GetRequiredService<DeviceEnroller>();
        EnrolledDevice device;
        try
        {
            device = await enroller.EnrollAsync(request.Token, request.RequestedDeviceId, request.Hostname, context.CancellationToken).ConfigureAwait(false);
        }
        catch (EnrollmentException e)
        {
            Security.Log.EnrollmentRefused(services.GetRequiredService<ILogger<FleetService>>(), context.Peer, e.Message);
            throw new RpcException(new Status(
                e.Refusal switch
                {
                    EnrollmentRefusal.Malformed => StatusCode.InvalidArgument,
                    EnrollmentRefusal.Unauthenticated => StatusCode.Unauthenticated,
                    EnrollmentRefusal.DeviceTaken => StatusCode.AlreadyExists,
                    _ => StatusCode.PermissionDenied,
                },
                e.Message));
        }

        var hub = services.GetRequiredService<IOptions<HubOptions>>().Value;
        var endpoints = services.GetRequiredService<HubEndpoints>();
        var response = new EnrollResponse
        {
            DeviceId = device.DeviceId,
            DeviceKey = device.DeviceKey,
            HubCaPem = HubCaPem(hub, endpoints),
            SigningPublicKeyPem = ModelSigningKey.LoadOrCreatePublicKeyPem(hub.DataDirectory),
            MqttPort = Math.Max(0, endpoints.MqttPort),
            MqttTlsPort = Math.Max(0, endpoints.MqttTlsPort),
        };
        foreach (var (key, value) in device.Tags)
        {
            response.Tags[key] = value;
        }
        return response;
    }

    /// <summary>hub-ca.crt when the data directory has one (the self-signed certificate, or a CA an operator put there), else the serving certificate.</summary>
    private static string HubCaPem(HubOptions hub, HubEndpoints endpoints)
    {
        if (endpoints.Certificate is not { } certificate)
        {
            return "";
        }
        var file = Path.Combine(hub.DataDirectory, HubCertificate.PublicCertificateFileName);
        return File.Exists(file) ? File.ReadAllText(file) : certificate.ExportCertificatePem();
    }
}

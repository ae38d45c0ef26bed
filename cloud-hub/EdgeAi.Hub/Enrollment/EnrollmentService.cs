using EdgeAi.Common.Fleet;
using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Security;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Enrollment;

/// <summary>
/// The Enroll method of the fleet gRPC service (edgeai.fleet.v1.Fleet): the one call a device makes
/// without a key, authorised by the enrollment token it carries.
/// </summary>
[BindServiceMethod(typeof(EnrollmentService), nameof(BindService))]
internal sealed class EnrollmentService(DeviceEnroller enroller, IOptions<HubOptions> hubOptions, HubEndpoints endpoints, ILogger<EnrollmentService> logger)
    : Common.Fleet.Fleet.FleetBase
{
    public static void BindService(ServiceBinderBase binder, Common.Fleet.Fleet.FleetBase? service) => FleetGrpc.Bind(binder, "Enroll");

    /// <summary>Exchanges an enrollment token for a device id, key, the hub's CA and the model-signing public key.</summary>
    [AllowAnonymous]
    public override async Task<EnrollResponse> Enroll(EnrollRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        EnrolledDevice device;
        try
        {
            device = await enroller.EnrollAsync(request.Token, request.RequestedDeviceId, request.Hostname, context.CancellationToken).ConfigureAwait(false);
        }
        catch (EnrollmentException e)
        {
            Security.Log.EnrollmentRefused(logger, context.Peer, e.Message);
            throw new RpcException(new Status(
                e.Refusal switch
                {
                    EnrollmentRefusal.Malformed => StatusCode.InvalidArgument,
                    EnrollmentRefusal.Unauthenticated => StatusCode.Unauthenticated,
                    EnrollmentRefusal.DeviceTaken => StatusCode.AlreadyExists,
                    EnrollmentRefusal.BrokerUnavailable => StatusCode.Unavailable,
                    _ => StatusCode.PermissionDenied,
                },
                e.Message));
        }

        var hub = hubOptions.Value;
        var response = new EnrollResponse
        {
            DeviceId = device.DeviceId,
            DeviceKey = device.DeviceKey,
            HubCaPem = HubCaPem(hub),
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
    private string HubCaPem(HubOptions hub)
    {
        if (endpoints.Certificate is not { } certificate)
        {
            return "";
        }
        var file = Path.Combine(hub.DataDirectory, HubCertificate.PublicCertificateFileName);
        return File.Exists(file) ? File.ReadAllText(file) : certificate.ExportCertificatePem();
    }
}

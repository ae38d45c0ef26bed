using EdgeAi.Serving.Protocol;
using Grpc.Core;

namespace EdgeAi.Hub.Hosting;

/// <summary>
/// The fleet gRPC service (edgeai.fleet.v1.Fleet, shared/EdgeAi.Common/Protos/fleet.proto) is served
/// by one class per room: <see cref="Enrollment.EnrollmentService"/> answers Enroll,
/// <see cref="Registry.ModelDownloadService"/> DownloadModel. Each binds only its own method (the
/// generated binding would add both), through <see cref="ParseErrorBinder"/> so a request that is not
/// a valid message gets a status that says so. One request limit covers the whole service.
/// </summary>
internal static class FleetGrpc
{
    /// <summary>
    /// Largest request message: an enrollment (token, requested id, host name, version) or a download
    /// request (name, version, offset) is well under a kilobyte, and Enroll is open to anyone holding
    /// the hub's address, so it must not get the inference limit (ModelHost:MaxRequestBytes, 64 MiB).
    /// Downloads stream the other way, so their size never meets this.
    /// </summary>
    public const int MaxRequestBytes = 64 * 1024;

    /// <summary>Binds <paramref name="method"/> of the fleet service, and no other (called by grpc-dotnet through each class's BindServiceMethod attribute).</summary>
    public static void Bind(ServiceBinderBase binder, string method) =>
        Common.Fleet.Fleet.BindService(new OneMethod(new ParseErrorBinder(binder), method), null);

    /// <summary>Registers a fleet service class with the service's request limit (the frame check reads the limit by path).</summary>
    public static IServiceCollection AddFleetService<TService>(this IServiceCollection services)
        where TService : Common.Fleet.Fleet.FleetBase
    {
        services.AddGrpc().AddServiceOptions<TService>(options => options.MaxReceiveMessageSize = MaxRequestBytes);
        services.Configure<GrpcMessageLimits>(limits => limits.Services["/edgeai.fleet.v1.Fleet/"] =
            new(MaxRequestBytes, "the fleet service's limit: enrollment and download requests are small"));
        return services;
    }

    /// <summary>Passes on the one method a class serves and drops the rest.</summary>
    private sealed class OneMethod(ServiceBinderBase inner, string method) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            if (Serves(method))
            {
                inner.AddMethod(method, handler);
            }
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        {
            if (Serves(method))
            {
                inner.AddMethod(method, handler);
            }
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        {
            if (Serves(method))
            {
                inner.AddMethod(method, handler);
            }
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        {
            if (Serves(method))
            {
                inner.AddMethod(method, handler);
            }
        }

        private bool Serves(IMethod candidate) => string.Equals(candidate.Name, method, StringComparison.Ordinal);
    }
}

using EdgeAi.Serving.Protocol;
using Grpc.Core;

namespace EdgeAi.Hub.Fleet;

/// <summary>
/// The hub's fleet control service (edgeai.fleet.v1): enrollment and resumable model downloads.
/// Each RPC lives in its own file; services come from the call's request scope. Bound through
/// <see cref="ParseErrorBinder"/>, so a request that is not a valid message gets a status that says so.
/// </summary>
[BindServiceMethod(typeof(FleetService), nameof(BindService))]
internal sealed partial class FleetService : Common.Fleet.Fleet.FleetBase
{
    /// <summary>
    /// Largest request message: an enrollment (token, requested id, host name, version) or a download
    /// request (name, version, offset) is well under a kilobyte, and Enroll is open to anyone holding
    /// the hub's address, so it must not get the inference limit (ModelHost:MaxRequestBytes, 64 MiB).
    /// Downloads stream the other way, so their size never meets this.
    /// </summary>
    public const int MaxRequestBytes = 64 * 1024;

    /// <summary>Called by grpc-dotnet (found through the attribute): the generated binding, with parse errors answered.</summary>
    public static void BindService(ServiceBinderBase binder, Common.Fleet.Fleet.FleetBase? service) =>
        Common.Fleet.Fleet.BindService(new ParseErrorBinder(binder), service);
}

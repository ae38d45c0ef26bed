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
    /// <summary>Called by grpc-dotnet (found through the attribute): the generated binding, with parse errors answered.</summary>
    public static void BindService(ServiceBinderBase binder, Common.Fleet.Fleet.FleetBase? service) =>
        Common.Fleet.Fleet.BindService(new ParseErrorBinder(binder), service);
}

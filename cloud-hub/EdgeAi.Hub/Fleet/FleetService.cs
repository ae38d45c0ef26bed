namespace EdgeAi.Hub.Fleet;

/// <summary>
/// The hub's fleet control service (edgeai.fleet.v1): enrollment and resumable model downloads.
/// Each RPC lives in its own file; services come from the call's request scope.
/// </summary>
internal sealed partial class FleetService : Common.Fleet.Fleet.FleetBase;

using EdgeAi.Agent.Uplink;

namespace EdgeAi.Agent.SyncUp;

internal static class SyncUpExtensions
{
    /// <summary>Sync up: the outbox drainer, the MQTT connection's sender.</summary>
    public static IHostApplicationBuilder AddSyncUp(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IUplinkSender, OutboxDrainer>();
        return builder;
    }
}

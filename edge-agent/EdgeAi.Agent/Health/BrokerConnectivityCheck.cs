using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.Uplink;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Health;

/// <summary>
/// Whether the MQTT uplink (Uplink:BrokerUrl) is connected. Disconnected is Degraded, never Unhealthy: records wait in
/// the durable outbox and go when the link returns.
/// </summary>
internal sealed class BrokerConnectivityCheck(UplinkState uplink, IOptions<UplinkOptions> options, DurableOutbox outbox) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var broker = options.Value;
        return Task.FromResult(Evaluate(broker.Enabled ? broker.BrokerUrl : null, uplink.Connected, uplink.RecordsSent, uplink.Failures, outbox.TotalDepth));
    }

    internal static HealthCheckResult Evaluate(string? broker, bool connected, long sent, long failures, long waiting)
    {
        if (broker is null)
        {
            return HealthCheckResult.Healthy("no broker configured (Uplink:BrokerUrl): nothing is sent to a hub");
        }
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["broker"] = broker,
            ["records_sent"] = sent,
            ["failures"] = failures,
            ["outbox_depth"] = waiting,
        };
        return connected
            ? HealthCheckResult.Healthy($"connected to {broker}", data)
            : HealthCheckResult.Degraded($"not connected to {broker}; {waiting} records wait in the outbox until the link returns", data: data);
    }
}

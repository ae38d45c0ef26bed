using EdgeAi.Hub.Broker;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Health;

/// <summary>
/// The MQTT side: the embedded broker listening, or the link to the external broker up. Not yet up or link down is
/// Degraded (devices keep their records in their outboxes and resend); a broker whose start failed is Unhealthy.
/// </summary>
internal sealed class BrokerCheck(IDeviceBroker broker, IOptions<MqttOptions> options, IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var mqtt = options.Value;
        var external = services.GetService<ExternalBrokerIngest>();
        var kind = !mqtt.Enabled ? "off" : mqtt.UsesExternalBroker ? "external" : "embedded";
        return Task.FromResult(Evaluate(kind, mqtt.ExternalBrokerUri?.GetLeftPart(UriPartial.Authority), broker.Ready, external?.IsConnected));
    }

    internal static HealthCheckResult Evaluate(string kind, string? external, Task ready, bool? connected)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal) { ["broker"] = kind };
        if (external is not null)
        {
            data["external"] = external;
        }
        if (kind == "off")
        {
            return HealthCheckResult.Healthy("MQTT is off (Hub:Mqtt:Enabled=false)", data);
        }
        if (ready.IsFaulted)
        {
            return HealthCheckResult.Unhealthy($"the {kind} broker failed to start: {ready.Exception?.GetBaseException().Message}", data: data);
        }
        if (!ready.IsCompleted)
        {
            return HealthCheckResult.Degraded($"the {kind} broker is starting", data: data);
        }
        return connected == false
            ? HealthCheckResult.Degraded($"the link to the external broker {external} is down; it reconnects, devices keep their records meanwhile", data: data)
            : HealthCheckResult.Healthy(kind == "embedded" ? "the embedded broker is listening" : $"connected to the external broker {external}", data);
    }
}

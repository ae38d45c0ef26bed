using EdgeAi.Agent.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EdgeAi.Agent.Tests.Health;

public sealed class ConnectivityChecksTests
{
    [Fact]
    public void Hub_NoneConfigured_HealthyLocalOnly()
    {
        var result = HubConnectivityCheck.Evaluate(null, null);

        result.Status.ShouldBe(HealthStatus.Healthy);
        result.Description!.ShouldContain("Cloud:HubUrl");
    }

    [Fact]
    public void Hub_Answered_Healthy()
    {
        var result = HubConnectivityCheck.Evaluate("https://hub.example:5001", null);

        result.Status.ShouldBe(HealthStatus.Healthy);
        result.Data["hub"].ShouldBe("https://hub.example:5001");
    }

    [Fact]
    public void Hub_Unreachable_DegradedNotUnhealthy()
    {
        var result = HubConnectivityCheck.Evaluate("https://hub.example:5001", "Unavailable: connection refused");

        result.Status.ShouldBe(HealthStatus.Degraded);
        result.Description!.ShouldContain("https://hub.example:5001 is not reachable (Unavailable: connection refused)");
    }

    [Fact]
    public void Broker_NoneConfigured_Healthy() =>
        BrokerConnectivityCheck.Evaluate(null, connected: false, 0, 0, 0).Status.ShouldBe(HealthStatus.Healthy);

    [Fact]
    public void Broker_Connected_HealthyWithCounters()
    {
        var result = BrokerConnectivityCheck.Evaluate("mqtts://hub:8883", connected: true, sent: 12, failures: 1, waiting: 0);

        result.Status.ShouldBe(HealthStatus.Healthy);
        result.Data["records_sent"].ShouldBe(12L);
        result.Data["failures"].ShouldBe(1L);
    }

    [Fact]
    public void Broker_Disconnected_DegradedSayingWhatWaits()
    {
        var result = BrokerConnectivityCheck.Evaluate("mqtts://hub:8883", connected: false, sent: 0, failures: 3, waiting: 40);

        result.Status.ShouldBe(HealthStatus.Degraded);
        result.Description.ShouldBe("not connected to mqtts://hub:8883; 40 records wait in the outbox until the link returns");
    }
}

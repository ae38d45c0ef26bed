using EdgeAi.Hub.Health;
using EdgeAi.Hub.Security;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EdgeAi.Hub.Tests.Health;

public sealed class HubChecksTests
{
    [Fact]
    public void Broker_Off_Healthy() => BrokerCheck.Evaluate("off", null, Task.CompletedTask, null).Status.ShouldBe(HealthStatus.Healthy);

    [Fact]
    public void Broker_EmbeddedListening_Healthy() =>
        BrokerCheck.Evaluate("embedded", null, Task.CompletedTask, null).Description.ShouldBe("the embedded broker is listening");

    [Fact]
    public void Broker_Starting_Degraded() =>
        BrokerCheck.Evaluate("embedded", null, new TaskCompletionSource().Task, null).Status.ShouldBe(HealthStatus.Degraded);

    [Fact]
    public void Broker_StartFailed_UnhealthyWithTheReason()
    {
        var result = BrokerCheck.Evaluate("embedded", null, Task.FromException(new IOException("address already in use")), null);

        result.Status.ShouldBe(HealthStatus.Unhealthy);
        result.Description.ShouldBe("the embedded broker failed to start: address already in use");
    }

    [Fact]
    public void Broker_ExternalLinkDown_DegradedNamingTheBroker()
    {
        var result = BrokerCheck.Evaluate("external", "mqtts://mosquitto:8883", Task.CompletedTask, connected: false);

        result.Status.ShouldBe(HealthStatus.Degraded);
        result.Description!.ShouldContain("mqtts://mosquitto:8883 is down");
        result.Data["external"].ShouldBe("mqtts://mosquitto:8883");
    }

    [Fact]
    public void SigningKey_PresentOrMissing_HealthyOrUnhealthy()
    {
        var directory = Directory.CreateTempSubdirectory("edgeai-key-").FullName;
        try
        {
            var missing = SigningKeyCheck.Evaluate(directory);
            missing.Status.ShouldBe(HealthStatus.Unhealthy);
            missing.Description!.ShouldContain($"{ModelSigningKey.PrivateKeyFileName} is missing from the data directory {directory}");

            using (ModelSigningKey.LoadOrCreate(directory))
            {
            }
            SigningKeyCheck.Evaluate(directory).Status.ShouldBe(HealthStatus.Healthy);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}

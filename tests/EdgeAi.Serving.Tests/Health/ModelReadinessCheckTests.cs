using EdgeAi.Common.Onnx;
using EdgeAi.Serving.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EdgeAi.Serving.Tests.Health;

public sealed class ModelReadinessCheckTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Check_NoModels_Healthy()
    {
        using var host = Hosts.Create();

        var result = await new ModelReadinessCheck(host).CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

        result.Status.ShouldBe(HealthStatus.Healthy);
        result.Description.ShouldBe("no models installed");
    }

    [Fact]
    public async Task Check_AllLoaded_HealthyWithAnEntryPerModel()
    {
        using var host = Hosts.Create();
        host.Load("classifier", "1", _dir.Write("c.onnx", SampleModels.Classifier()));
        host.Load("scale", "2", _dir.Write("s.onnx", SampleModels.Scale(2f)));

        var result = await new ModelReadinessCheck(host).CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

        result.Status.ShouldBe(HealthStatus.Healthy);
        result.Description.ShouldBe("all 2 models loaded");
        result.Data["classifier"].ShouldBe("ready: version 1 on CPU");
        result.Data["scale"].ShouldBe("ready: version 2 on CPU");
    }

    [Fact]
    public async Task Check_OneModelFailedToLoad_UnhealthyNamingItWithTheReason()
    {
        using var host = Hosts.Create();
        host.Load("good", "1", _dir.Write("g.onnx", SampleModels.Classifier()));
        host.Load("bad", "1", _dir.Write("b.onnx", [0x08, 0x01, 0x12, 0x03]));

        var result = await new ModelReadinessCheck(host).CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

        result.Status.ShouldBe(HealthStatus.Unhealthy);
        result.Description.ShouldBe("1 of 2 models failed to load: bad");
        ((string)result.Data["bad"]).ShouldStartWith("failed: version 1: ");
        ((string)result.Data["good"]).ShouldStartWith("ready");
    }
}

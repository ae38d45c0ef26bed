using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Deployments;
using EdgeAi.Hub.Twin;

namespace EdgeAi.Hub.Tests.Deployments;

public sealed class DeploymentSpecTests
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    private static CreateDeploymentRequest Request(
        string? model = "classifier", string? version = "2", string? policy = null, Dictionary<string, string>? selector = null, string? strategy = null,
        int[]? waves = null, string? timeout = null, double? maxErrorRate = null, double? minHealthyShare = null, string? variant = null) =>
        new(model, version, policy, selector, strategy, waves, timeout, maxErrorRate, minHealthyShare, variant);

    [Theory]
    [InlineData(null, "auto")]
    [InlineData("auto", "auto")]
    [InlineData("fp32", "fp32")]
    [InlineData("int8", "int8")]
    [InlineData("fp16", "fp16")]
    public void Parse_Variant_AutoByDefault(string? variant, string expected) =>
        DeploymentSpec.Parse(Request(variant: variant), DefaultTimeout).Value!.Variant.ShouldBe(expected);

    [Fact]
    public void Parse_UnknownVariant_InvalidNamingTheChoices()
    {
        var refusal = DeploymentSpec.Parse(Request(variant: "int4"), DefaultTimeout).Error!;

        refusal.Kind.ShouldBe(RefusalKind.Invalid);
        refusal.Detail.ShouldBe("'variant' must be one of auto, fp32, int8, fp16 (auto: the hub chooses per device from its execution providers), not 'int4'");
    }

    [Fact]
    public void Parse_ModelAndVersionOnly_DefaultsToAllAtOnceLocalFirst()
    {
        var spec = DeploymentSpec.Parse(Request(), DefaultTimeout).Value!;

        spec.Strategy.ShouldBe("all");
        spec.Waves.ShouldBe([100]);
        spec.RoutingPolicy.ShouldBe("local-first");
        spec.Selector.ShouldBeEmpty();
        spec.HealthTimeout.ShouldBe(DefaultTimeout);
        spec.MaxErrorRate.ShouldBe(0.05);
        spec.MinHealthyShare.ShouldBe(1.0);
    }

    [Fact]
    public void Parse_WavesGiven_StrategyWaves()
    {
        var spec = DeploymentSpec.Parse(Request(waves: [10, 50, 100], timeout: "5m"), DefaultTimeout).Value!;

        spec.Strategy.ShouldBe("waves");
        spec.Waves.ShouldBe([10, 50, 100]);
        spec.HealthTimeout.ShouldBe(TimeSpan.FromMinutes(5));
    }

    [Fact]
    public void Parse_StrategyWavesWithoutList_DefaultWaves() =>
        DeploymentSpec.Parse(Request(strategy: "waves"), DefaultTimeout).Value!.Waves.ShouldBe([10, 50, 100]);

    [Theory]
    [InlineData(new[] { 50, 10, 100 }, "strictly increase")]
    [InlineData(new[] { 10, 50 }, "end at 100")]
    [InlineData(new[] { 0, 100 }, "from 1 to 100")]
    [InlineData(new[] { 10, 50, 150 }, "from 1 to 100")]
    [InlineData(new int[0], "at least one wave")]
    public void Parse_BadWaves_BadRequestNamingWaves(int[] waves, string expected)
    {
        var error = DeploymentSpec.Parse(Request(waves: waves), DefaultTimeout).Error!;

        error.Kind.ShouldBe(RefusalKind.Invalid);
        error.Detail.ShouldStartWith("'waves'");
        error.Detail.ShouldContain(expected);
    }

    [Theory]
    [InlineData(null, "2", "'model' is required")]
    [InlineData("classifier", "", "'version' is required")]
    [InlineData("-bad", "2", "model name '-bad' is invalid")]
    public void Parse_MissingOrInvalidNames_BadRequest(string? model, string? version, string expected) =>
        DeploymentSpec.Parse(Request(model, version), DefaultTimeout).Error!.Detail.ShouldContain(expected);

    [Fact]
    public void Parse_UnknownRoutingPolicy_ListsTheValidOnes() =>
        DeploymentSpec.Parse(Request(policy: "edge-first"), DefaultTimeout).Error!.Detail
            .ShouldBe("'routingPolicy' must be one of local-only, local-first, cloud-first, cloud-only, not 'edge-first'");

    [Fact]
    public void Parse_StrategyAllWithWaves_BadRequest() =>
        DeploymentSpec.Parse(Request(strategy: "all", waves: [10, 100]), DefaultTimeout).Error!.Detail.ShouldStartWith("'waves' is only for strategy 'waves'");

    [Theory]
    [InlineData("soon", "'healthTimeout' 'soon' is not a duration; expected a whole number with a unit")]
    [InlineData("5", "'healthTimeout' '5' has no unit; expected a whole number with a unit")]
    [InlineData("0s", "'healthTimeout' must be from 1s to 7d")]
    [InlineData("8d", "'healthTimeout' must be from 1s to 7d")]
    public void Parse_BadHealthTimeout_BadRequest(string timeout, string expected) =>
        DeploymentSpec.Parse(Request(timeout: timeout), DefaultTimeout).Error!.Detail.ShouldStartWith(expected);

    [Theory]
    [InlineData(-0.1, null, "'maxErrorRate'")]
    [InlineData(1.5, null, "'maxErrorRate'")]
    [InlineData(null, 0.0, "'minHealthyShare'")]
    [InlineData(null, 1.01, "'minHealthyShare'")]
    public void Parse_SharesOutOfRange_BadRequest(double? maxErrorRate, double? minHealthyShare, string field) =>
        DeploymentSpec.Parse(Request(maxErrorRate: maxErrorRate, minHealthyShare: minHealthyShare), DefaultTimeout).Error!.Detail.ShouldStartWith(field);

    [Theory]
    [InlineData("Telemetry:SampleRate", true)]
    [InlineData("Routing:Models:classifier:ConfidenceThreshold", true)]
    [InlineData("ModelHost:ExecutionProviders:0", true)]
    [InlineData("", false)]
    [InlineData("Telemetry::SampleRate", false)]
    [InlineData(":Telemetry", false)]
    [InlineData("Telemetry:Sample Rate", false)]
    public void TwinConfigKey_ConfigurationPaths_Accepted(string key, bool valid) =>
        (TwinConfig.CheckKey(key) is null).ShouldBe(valid);
}

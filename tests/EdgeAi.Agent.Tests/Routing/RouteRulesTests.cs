using EdgeAi.Agent.Routing;
using EdgeAi.Common.Inference;
using EdgeAi.Serving;
using EdgeAi.Serving.Runtime;
using Google.Protobuf;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Agent.Tests.Routing;

/// <summary>Every routing rule on its own: inputs in, decision out; the clock is a fake one.</summary>
public sealed class RouteRulesTests
{
    private const string Model = "m";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    public enum Copy
    {
        None,
        Ready,
        Loading,
        Failed,
    }

    [Theory]
    // The model's policy, no override (null, empty and "auto" all mean: follow the policy).
    [InlineData("local-first", null, nameof(RouteKind.LocalFirst))]
    [InlineData("local-first", "", nameof(RouteKind.LocalFirst))]
    [InlineData("local-first", "auto", nameof(RouteKind.LocalFirst))]
    [InlineData("local-only", null, nameof(RouteKind.Local))]
    [InlineData("cloud-first", null, nameof(RouteKind.CloudFirst))]
    [InlineData("cloud-first", "auto", nameof(RouteKind.CloudFirst))]
    [InlineData("cloud-only", null, nameof(RouteKind.Cloud))]
    // edgeai.route overrides whatever the policy says.
    [InlineData("local-first", "local", nameof(RouteKind.Local))]
    [InlineData("local-first", "cloud", nameof(RouteKind.Cloud))]
    [InlineData("local-only", "cloud", nameof(RouteKind.Cloud))]
    [InlineData("cloud-only", "local", nameof(RouteKind.Local))]
    [InlineData("cloud-first", "local", nameof(RouteKind.Local))]
    [InlineData("cloud-first", "cloud", nameof(RouteKind.Cloud))]
    public void Decide_PolicyAndRouteOverride_PicksTheRoute(string policy, string? route, string expected)
    {
        var decision = RouteRules.Decide(Inputs(route: route), Options(defaultPolicy: policy));

        decision.Kind.ToString().ShouldBe(expected);
        decision.FallbackReason.ShouldBeNull();
    }

    [Fact]
    public void Decide_ModelPolicy_WinsOverTheDefaultForThatModelOnly()
    {
        var options = Options(defaultPolicy: "local-first");
        options.Models[Model] = new ModelRouting { Policy = "cloud-only" };

        RouteRules.Decide(Inputs(), options).Kind.ShouldBe(RouteKind.Cloud);
        RouteRules.Decide(Inputs() with { Model = "other" }, options).Kind.ShouldBe(RouteKind.LocalFirst);
    }

    [Theory]
    [InlineData("edge")]
    [InlineData("Local")]
    [InlineData("hub")]
    public void Decide_UnknownRouteValue_IsTheCallersError(string route)
    {
        var error = Should.Throw<InferenceException>(() => RouteRules.Decide(Inputs(route: route), Options()));

        error.Error.ShouldBe(InferenceError.InvalidArgument);
        error.Message.ShouldContain($"'{route}'");
        error.Message.ShouldContain("expected auto, local or cloud");
    }

    [Theory]
    // Local-first escalates at once, each reason on its own.
    [InlineData(Copy.None, 0, null, null, nameof(RouteKind.Escalate), FallbackReasons.NotInstalled)]
    [InlineData(Copy.Failed, 0, null, null, nameof(RouteKind.Escalate), FallbackReasons.NotReady)]
    [InlineData(Copy.Loading, 0, null, null, nameof(RouteKind.Escalate), FallbackReasons.NotReady)]
    [InlineData(Copy.Ready, 16, null, null, nameof(RouteKind.Escalate), FallbackReasons.Overloaded)]      // at the bound (16)
    [InlineData(Copy.Ready, 17, null, null, nameof(RouteKind.Escalate), FallbackReasons.Overloaded)]
    [InlineData(Copy.Ready, 15, null, null, nameof(RouteKind.LocalFirst), null)]                          // one under it
    [InlineData(Copy.Ready, 0, 100.0, 120.0, nameof(RouteKind.Escalate), FallbackReasons.Deadline)]
    [InlineData(Copy.Ready, 0, 100.0, 100.5, nameof(RouteKind.Escalate), FallbackReasons.Deadline)]
    [InlineData(Copy.Ready, 0, 100.0, 100.0, nameof(RouteKind.LocalFirst), null)]                         // budget equal to the estimate: the device can make it
    [InlineData(Copy.Ready, 0, 100.0, 80.0, nameof(RouteKind.LocalFirst), null)]
    [InlineData(Copy.Ready, 0, 100.0, null, nameof(RouteKind.LocalFirst), null)]                          // no estimate yet: try the device
    [InlineData(Copy.Ready, 0, null, 5000.0, nameof(RouteKind.LocalFirst), null)]                         // no deadline: any latency will do
    // The first rule that applies gives the reason.
    [InlineData(Copy.Failed, 20, 100.0, 500.0, nameof(RouteKind.Escalate), FallbackReasons.NotReady)]
    [InlineData(Copy.Ready, 20, 100.0, 500.0, nameof(RouteKind.Escalate), FallbackReasons.Overloaded)]
    public void Decide_LocalFirstWithHub_EscalatesForEachReason(Copy copy, int queued, double? budgetMs, double? estimateMs, string kind, string? reason)
    {
        var inputs = Inputs(copy: copy, queued: queued, budget: budgetMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null, estimateMs: estimateMs);

        var decision = RouteRules.Decide(inputs, Options());

        decision.Kind.ToString().ShouldBe(kind);
        decision.FallbackReason.ShouldBe(reason);
        (decision.LocalProblem is not null).ShouldBe(reason is not null);
    }

    [Fact]
    public void Decide_Escalation_SaysWhatWasWrongLocally()
    {
        RouteRules.Decide(Inputs(copy: Copy.None), Options()).LocalProblem.ShouldBe("model 'm' is not installed on this device");
        RouteRules.Decide(Inputs(copy: Copy.Failed), Options()).LocalProblem.ShouldBe("model 'm' version 1 is not ready: no kernel for op X");
        RouteRules.Decide(Inputs(queued: 16), Options()).LocalProblem.ShouldBe("16 requests already queued locally (bound 16)");
        RouteRules.Decide(Inputs(budget: TimeSpan.FromMilliseconds(50), estimateMs: 75), Options()).LocalProblem
            .ShouldBe("local latency is about 75 ms, over the 50 ms deadline");
    }

    [Fact]
    public void Decide_ModelQueueBound_OverridesTheDefault()
    {
        var options = Options();
        options.Models[Model] = new ModelRouting { MaxLocalQueueDepth = 2 };

        RouteRules.Decide(Inputs(queued: 1), options).Kind.ShouldBe(RouteKind.LocalFirst);
        RouteRules.Decide(Inputs(queued: 2), options).FallbackReason.ShouldBe(FallbackReasons.Overloaded);
        RouteRules.Decide(Inputs(queued: 2) with { Model = "other" }, options).Kind.ShouldBe(RouteKind.LocalFirst);
    }

    [Theory]
    [InlineData(Copy.None, 0, 10.0, 500.0)]
    [InlineData(Copy.Failed, 0, null, null)]
    [InlineData(Copy.Ready, 100, null, null)]
    [InlineData(Copy.Ready, 0, 10.0, 500.0)]
    public void Decide_LocalFirstWithoutHub_ServesLocallyWhateverTheDeviceHas(Copy copy, int queued, double? budgetMs, double? estimateMs)
    {
        var inputs = Inputs(copy: copy, queued: queued, budget: budgetMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null, estimateMs: estimateMs, hub: false);

        var decision = RouteRules.Decide(inputs, Options());

        // Nowhere to escalate to: the device's own answer or error, unchanged.
        decision.Kind.ShouldBe(RouteKind.Local);
        decision.FallbackReason.ShouldBeNull();
    }

    [Theory]
    [InlineData("cloud-only", nameof(RouteKind.Cloud))]
    [InlineData("cloud-first", nameof(RouteKind.CloudFirst))]
    [InlineData("local-only", nameof(RouteKind.Local))]
    public void Decide_OtherPoliciesWithoutHub_KeepTheirRoute(string policy, string expected) =>
        RouteRules.Decide(Inputs(hub: false), Options(defaultPolicy: policy)).Kind.ToString().ShouldBe(expected);

    [Fact]
    public void Decide_Deadline_CountsFromArrival()
    {
        var received = _time.GetUtcNow();

        RouteRules.Decide(Inputs(budget: TimeSpan.FromMilliseconds(250)), Options()).Deadline.ShouldBe(received + TimeSpan.FromMilliseconds(250));
        RouteRules.Decide(Inputs(budget: TimeSpan.FromMilliseconds(250), copy: Copy.None), Options()).Deadline.ShouldBe(received + TimeSpan.FromMilliseconds(250));
        RouteRules.Decide(Inputs(), Options()).Deadline.ShouldBeNull();
    }

    [Fact]
    public void HubBudget_PartOfTheBudgetSpent_HubGetsWhatIsLeft()
    {
        var deadline = RouteRules.Decide(Inputs(budget: TimeSpan.FromMilliseconds(100)), Options()).Deadline;

        _time.Advance(TimeSpan.FromMilliseconds(40));

        RouteRules.HubBudget(Model, deadline, _time.GetUtcNow()).ShouldBe(TimeSpan.FromMilliseconds(60));
    }

    [Theory]
    [InlineData(100)]   // spent exactly
    [InlineData(101)]
    [InlineData(5000)]
    public void HubBudget_DeadlinePassed_RefusedWithoutRunning(int elapsedMs)
    {
        var deadline = RouteRules.Decide(Inputs(budget: TimeSpan.FromMilliseconds(100)), Options()).Deadline;
        _time.Advance(TimeSpan.FromMilliseconds(elapsedMs));

        var error = Should.Throw<InferenceException>(() => RouteRules.HubBudget(Model, deadline, _time.GetUtcNow()));

        error.Error.ShouldBe(InferenceError.DeadlineExceeded);
        error.Message.ShouldContain("it was not run");
    }

    [Fact]
    public void HubBudget_NoDeadline_NoLimitForTheHub()
    {
        _time.Advance(TimeSpan.FromDays(1));

        RouteRules.HubBudget(Model, deadline: null, _time.GetUtcNow()).ShouldBeNull();
    }

    [Theory]
    [InlineData(InferenceError.Internal, true)]
    [InlineData(InferenceError.Unavailable, true)]
    [InlineData(InferenceError.ModelRejected, true)]       // passed the protocol checks; the hub's copy may accept it
    [InlineData(InferenceError.InvalidArgument, false)]    // bad input: the caller's error, returned as is
    [InlineData(InferenceError.NotFound, false)]
    [InlineData(InferenceError.ResourceExhausted, false)]
    [InlineData(InferenceError.DeadlineExceeded, false)]
    [InlineData(InferenceError.Cancelled, false)]
    public void EscalatesLocalFailure_ByError_OnlyFaultsOfTheDevice(InferenceError error, bool escalates) =>
        RouteRules.EscalatesLocalFailure(error).ShouldBe(escalates);

    [Theory]
    [InlineData(null, new[] { 0.125f, 0.125f, 0.75f }, true)]            // no threshold: no cascade
    [InlineData(0.5, new[] { 0.125f, 0.125f, 0.75f }, true)]
    [InlineData(0.75, new[] { 0.125f, 0.125f, 0.75f }, true)]            // exactly at the threshold: confident
    [InlineData(0.8, new[] { 0.125f, 0.125f, 0.75f }, false)]
    [InlineData(0.6, new[] { 0.25f, 0.75f, 0f, 0.5f, 0.25f, 0.25f }, false)] // two rows of three: the second is unsure
    [InlineData(0.5, new[] { 0.25f, 0.75f, 0f, 0.5f, 0.25f, 0.25f }, true)]
    public void IsConfident_TopProbabilityAgainstThreshold_CascadesOnlyWhenUnsure(double? threshold, float[] scores, bool confident)
    {
        var response = Scores(scores, classes: 3);

        RouteRules.IsConfident(threshold, response).ShouldBe(confident);
    }

    [Fact]
    public void IsConfident_NoFloatOutput_TheAnswerStands()
    {
        var response = new ModelInferResponse { ModelName = Model };
        var output = new ModelInferResponse.Types.InferOutputTensor { Name = "label", Datatype = "INT64" };
        output.Shape.Add(1);
        response.Outputs.Add(output);
        response.RawOutputContents.Add(ByteString.CopyFrom(new byte[8]));

        RouteRules.IsConfident(0.99, response).ShouldBeTrue();
    }

    [Theory]
    [InlineData("3", "2", "3")]    // the version the request named
    [InlineData("", "2", "2")]     // else the device's desired version (as after a rollback)
    [InlineData(null, "2", "2")]
    [InlineData(null, null, "")]   // else the hub's choice
    public void DeviceTarget_Version_RequestThenDesiredThenHub(string? requested, string? desired, string expected) =>
        RouteRules.DeviceTarget(Model, requested, desired).ShouldBe(new CloudTarget(Model, expected));

    [Theory]
    [InlineData("big", "7", null, "big", "7")]    // another model, its version
    [InlineData("big", null, "2", "big", "")]     // another model: the hub's active version, not this model's desired one
    [InlineData("m", "5", "2", "m", "5")]         // the same model named again: only the version counts
    [InlineData("m", null, "2", "m", "2")]
    [InlineData(null, "5", "2", "m", "5")]
    [InlineData(null, null, "2", "m", "2")]       // nothing set: like the device's own model
    [InlineData(null, null, null, "m", "")]
    public void CascadeTarget_Configuration_NamesModelAndVersion(string? cascadeModel, string? cascadeVersion, string? desired, string model, string version)
    {
        var options = Options();
        options.Models[Model] = new ModelRouting { ConfidenceThreshold = 0.5, CascadeModel = cascadeModel, CascadeVersion = cascadeVersion };

        RouteRules.CascadeTarget(Model, requestedVersion: null, desired, options).ShouldBe(new CloudTarget(model, version));
    }

    [Fact]
    public void CascadeTarget_NothingConfigured_RequestedVersionWins() =>
        RouteRules.CascadeTarget(Model, "4", "2", Options()).ShouldBe(new CloudTarget(Model, "4"));

    private RouteInputs Inputs(
        string? route = null, Copy copy = Copy.Ready, int queued = 0, TimeSpan? budget = null, double? estimateMs = null, bool hub = true)
    {
        var local = copy switch
        {
            Copy.None => null,
            Copy.Ready => new LocalModel(Model, "1", ModelState.Ready, null, queued),
            Copy.Loading => new LocalModel(Model, "1", ModelState.Loading, null, queued),
            _ => new LocalModel(Model, "1", ModelState.Failed, "no kernel for op X", queued),
        };
        return new RouteInputs(Model, route, budget, _time.GetUtcNow(), local, estimateMs, hub);
    }

    private static RoutingOptions Options(string defaultPolicy = RoutePolicies.LocalFirst) => new() { DefaultPolicy = defaultPolicy };

    private static ModelInferResponse Scores(float[] scores, int classes)
    {
        var response = new ModelInferResponse { ModelName = Model };
        var output = new ModelInferResponse.Types.InferOutputTensor { Name = "probabilities", Datatype = "FP32" };
        output.Shape.Add(scores.Length / classes);
        output.Shape.Add(classes);
        response.Outputs.Add(output);
        var bytes = new byte[scores.Length * sizeof(float)];
        Buffer.BlockCopy(scores, 0, bytes, 0, bytes.Length);
        response.RawOutputContents.Add(ByteString.CopyFrom(bytes));
        return response;
    }
}

using EdgeAi.Agent.SyncDown;
using EdgeAi.Common.Sync;

namespace EdgeAi.Agent.Tests.SyncDown;

public sealed class DeploymentPlannerTests
{
    private static readonly string Sha = new('a', 64);

    [Fact]
    public void Plan_VersionNotInstalled_DownloadsVerifiesInstallsThenSwaps()
    {
        var plan = DeploymentPlanner.Plan(Desired(("m", "2")), Device(new ModelView("m", "1", "1", ["1"])), NotFailed);

        Kinds(plan).ShouldBe([StepKind.Download, StepKind.Verify, StepKind.Install, StepKind.Load, StepKind.Smoke, StepKind.Activate, StepKind.Prune]);
        plan.ShouldAllBe(s => s.Model == "m" && s.Version == "2");
    }

    [Fact]
    public void Plan_SameVersionOtherVariant_ReinstallsBesideTheServingOneAndSwaps()
    {
        var desired = Desired(("m", "2"));
        desired.Models[0].Variant = "int8";

        var plan = DeploymentPlanner.Plan(desired, Device(new ModelView("m", "2", "2", ["2"])), NotFailed);

        Kinds(plan).ShouldBe([StepKind.Download, StepKind.Verify, StepKind.Prepare, StepKind.Smoke, StepKind.Swap, StepKind.Prune]);
    }

    [Fact]
    public void Plan_DesiredVariantServing_OnlyReportsIt()
    {
        var desired = Desired(("m", "2"));
        desired.Models[0].Variant = "int8";

        var plan = DeploymentPlanner.Plan(desired, Device(new ModelView("m", "2", "2", ["2"], new Dictionary<string, string> { ["2"] = "int8" })), NotFailed);

        Kinds(plan).ShouldBe([StepKind.ReportActive]);
    }

    [Fact]
    public void Plan_NoVariantNamed_IsFp32_SoAnInstalledInt8IsReplaced()
    {
        // A hub that predates variants names none: that is fp32.
        var plan = DeploymentPlanner.Plan(Desired(("m", "2")), Device(new ModelView("m", "2", "2", ["2"], new Dictionary<string, string> { ["2"] = "int8" })), NotFailed);

        Kinds(plan).ShouldContain(StepKind.Swap);
    }

    [Fact]
    public void Plan_UnknownVariant_Refused()
    {
        var desired = Desired(("m", "2"));
        desired.Models[0].Variant = "int4";

        var plan = DeploymentPlanner.Plan(desired, Device(), NotFailed);

        plan.Single().Kind.ShouldBe(StepKind.Refuse);
        plan.Single().Reason!.ShouldContain("variant 'int4'");
    }

    [Fact]
    public void Plan_PreviousVersionKept_RollsBackWithoutDownload()
    {
        var plan = DeploymentPlanner.Plan(Desired(("m", "1")), Device(new ModelView("m", "2", "2", ["1", "2"])), NotFailed);

        Kinds(plan).ShouldBe([StepKind.Load, StepKind.Smoke, StepKind.Activate, StepKind.Prune]);
    }

    [Fact]
    public void Plan_DesiredVersionActive_OnlyReportsIt()
    {
        var plan = DeploymentPlanner.Plan(Desired(("m", "2")), Device(new ModelView("m", "2", "2", ["1", "2"])), NotFailed);

        Kinds(plan).ShouldBe([StepKind.ReportActive]);
    }

    [Fact]
    public void Plan_ServingButNotPersisted_IsActivatedSoARestartKeepsIt()
    {
        var plan = DeploymentPlanner.Plan(Desired(("m", "1")), Device(new ModelView("m", "1", null, ["1"])), NotFailed);

        Kinds(plan).ShouldBe([StepKind.Load, StepKind.Smoke, StepKind.Activate, StepKind.Prune]);
    }

    [Fact]
    public void Plan_FailedAtThisRevision_IsNotRetried()
    {
        var plan = DeploymentPlanner.Plan(Desired(("m", "2"), ("n", "1")), Device(), m => m.Name == "m");

        plan.ShouldAllBe(s => s.Model == "n");
    }

    [Fact]
    public void Plan_ManagedModelNoLongerDesired_IsDeactivatedKeepingItsLastVersion_UnmanagedStays()
    {
        var device = Device(
            new ModelView("fleet", "3", "3", ["2", "3"]),
            new ModelView("byhand", "1", null, ["1"]),
            new ModelView("off", null, "", ["1"]));

        var plan = DeploymentPlanner.Plan(Desired(), device, NotFailed);

        plan.Select(s => (s.Kind, s.Model, s.Version)).ShouldBe([(StepKind.Deactivate, "fleet", "3"), (StepKind.Prune, "fleet", "3")]);
    }

    [Fact]
    public void Plan_InvalidOrDuplicateEntries_AreRefusedWithTheReason()
    {
        var state = Desired(("m", "1"), ("m", "2"));
        state.Models.Add(new DesiredModel { Name = "bad/name", Version = "1", Sha256 = Sha });
        state.Models.Add(new DesiredModel { Name = "n", Version = "1", Sha256 = "abc" });

        var refused = DeploymentPlanner.Plan(state, Device(), NotFailed).Where(s => s.Kind == StepKind.Refuse).ToList();

        refused.Select(s => s.Reason).ShouldBe([
            "model name 'bad/name' is not valid (letters, digits, '.', '_' or '-', at most 128)",
            "model 'm' is desired more than once; only the first entry is used",
            "sha256 of model 'n' version 1 is not 64 hex digits",
        ]);
    }

    [Fact]
    public void Plan_ActiveVersionUnloadedByOperator_LeavesItUnloaded()
    {
        var plan = DeploymentPlanner.Plan(Desired(("m", "2")), Device(new ModelView("m", null, "2", ["2"], UnloadedByOperator: true)), NotFailed);

        plan.ShouldBeEmpty();
    }

    [Fact]
    public void Plan_NewVersionAfterOperatorUnload_RollsOutAsUsual()
    {
        var plan = DeploymentPlanner.Plan(Desired(("m", "3")), Device(new ModelView("m", null, "2", ["2"], UnloadedByOperator: true)), NotFailed);

        Kinds(plan).ShouldBe([StepKind.Download, StepKind.Verify, StepKind.Install, StepKind.Load, StepKind.Smoke, StepKind.Activate, StepKind.Prune]);
    }

    private static bool NotFailed(DesiredModel model) => false;

    private static List<StepKind> Kinds(IEnumerable<PlanStep> plan) => [.. plan.Select(s => s.Kind)];

    private static DesiredState Desired(params (string Name, string Version)[] models)
    {
        var state = new DesiredState { Revision = 7 };
        state.Models.Add(models.Select(m => new DesiredModel { Name = m.Name, Version = m.Version, Sha256 = Sha }));
        return state;
    }

    private static Dictionary<string, ModelView> Device(params ModelView[] views) => views.ToDictionary(v => v.Name, StringComparer.Ordinal);
}

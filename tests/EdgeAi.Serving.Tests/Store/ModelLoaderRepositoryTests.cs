using EdgeAi.Common.Onnx;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeAi.Serving.Tests.Store;

/// <summary>Load and unload on request (the model repository extension) and how rescans and fleet steps respect them.</summary>
public sealed class ModelLoaderRepositoryTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ModelHost _host = Hosts.Create();
    private readonly ModelStore _store;
    private readonly ModelLoader _loader;

    public ModelLoaderRepositoryTests()
    {
        _store = new ModelStore(Path.Combine(_dir.Path, "models"), TimeProvider.System);
        _loader = new ModelLoader(_store, _host, TimeProvider.System, TimeSpan.FromHours(1), NullLogger<ModelLoader>.Instance);
        Add("m", "1");
        Add("m", "2");
        _loader.Sync();
    }

    [Fact]
    public void UnloadByRequest_ThenRescan_StaysUnloadedAndListed()
    {
        _loader.UnloadByRequest("m");
        Add("m", "3");
        _loader.Sync();

        _host.Models.Where(m => m.Name == "m").Select(m => (m.Version, m.State, m.FailureReason))
            .ShouldBe([("1", ModelState.Failed, "unloaded"), ("2", ModelState.Failed, "unloaded")]);
        _loader.IsUnloadedByRequest("m").ShouldBeTrue();
        _loader.Serving("m").ShouldBeNull();
    }

    [Fact]
    public void LoadByRequest_AfterUnload_ServesEveryVersionAgainAndRescansManageIt()
    {
        _loader.UnloadByRequest("m");

        var loaded = _loader.LoadByRequest("m");

        loaded.Select(m => (m.Version, m.State)).ShouldBe([("1", ModelState.Ready), ("2", ModelState.Ready)]);
        _loader.Serving("m").ShouldBe("2");
        _loader.IsUnloadedByRequest("m").ShouldBeFalse();
    }

    [Fact]
    public void LoadByRequest_ActiveVersionPersisted_LoadsOnlyItAndDropsOtherVersions()
    {
        _store.WriteActive("m", "1");

        _loader.LoadByRequest("m");

        _host.VersionsOf("m").ShouldBe(["1"]);
        _host.ActiveVersion("m").ShouldBe("1");
    }

    [Fact]
    public void LoadByRequest_NotInStore_IsNotFoundNamingTheStore()
    {
        var error = Should.Throw<InferenceException>(() => _loader.LoadByRequest("ghost"));

        error.Error.ShouldBe(InferenceError.NotFound);
        error.Message.ShouldBe($"model 'ghost' is not in the model store ({_store.Root}); install it there first");
    }

    [Fact]
    public void LoadByRequest_DeactivatedByFleet_IsUnavailable()
    {
        _loader.Deactivate("m");

        var error = Should.Throw<InferenceException>(() => _loader.LoadByRequest("m"));

        error.Error.ShouldBe(InferenceError.Unavailable);
        error.Message.ShouldContain("deactivated by its fleet deployment");
    }

    [Fact]
    public void UnloadByRequest_Unknown_IsNotFound()
    {
        var error = Should.Throw<InferenceException>(() => _loader.UnloadByRequest("ghost"));

        error.Error.ShouldBe(InferenceError.NotFound);
        error.Message.ShouldBe("model 'ghost' is neither loaded nor in the model store; nothing to unload");
    }

    [Fact]
    public void Activate_NewFleetVersionAfterUnload_ServesAndClearsTheUnload()
    {
        _loader.UnloadByRequest("m");
        Add("m", "3");

        _loader.LoadBeside("m", "3");
        _loader.Activate("m", "3");
        _loader.Sync();

        _loader.Serving("m").ShouldBe("3");
        _loader.IsUnloadedByRequest("m").ShouldBeFalse();
    }

    private void Add(string name, string version) =>
        _store.Add(_dir.Write($"{name}-{version}.onnx", SampleModels.Scale(2f)), name, version);

    public void Dispose()
    {
        _loader.Dispose();
        _host.Dispose();
        _dir.Dispose();
    }
}

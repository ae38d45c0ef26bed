using EdgeAi.Common.Onnx;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeAi.Serving.Tests.Store;

/// <summary>The loader's rescan and the reconciler's install/load/activate path share one store and host without undoing each other.</summary>
public sealed class ModelLoaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ModelHost _host = Hosts.Create();
    private readonly ModelStore _store;
    private readonly ModelLoader _loader;

    public ModelLoaderTests()
    {
        _store = new ModelStore(Path.Combine(_dir.Path, "models"), TimeProvider.System);
        _loader = new ModelLoader(_store, _host, TimeProvider.System, TimeSpan.FromHours(1), NullLogger<ModelLoader>.Instance);
    }

    [Fact]
    public void Sync_NoActiveVersion_LoadsEveryVersionAndNewestServes()
    {
        Add("m", "1", 1f);
        Add("m", "2", 2f);

        _loader.Sync();

        _host.VersionsOf("m").ShouldBe(["1", "2"]);
        _host.Resolve("m", null).Version.ShouldBe("2");
    }

    [Fact]
    public void Sync_ActiveVersionPersisted_LoadsOnlyItAndServesIt()
    {
        Add("m", "1", 1f);
        Add("m", "2", 2f);
        _store.WriteActive("m", "1");

        _loader.Sync();

        _host.VersionsOf("m").ShouldBe(["1"]);
        _host.Resolve("m", null).Version.ShouldBe("1");
        _host.ActiveVersion("m").ShouldBe("1");
    }

    [Fact]
    public void Sync_Deactivated_LoadsNothing()
    {
        Add("m", "1", 1f);
        _store.WriteActive("m", "");

        _loader.Sync();

        _host.VersionsOf("m").ShouldBeEmpty();
    }

    [Fact]
    public void Install_UnmanagedModelServing_PinsItSoTheNewVersionDoesNotServeUntilActivated()
    {
        Add("m", "1", 1f);
        _loader.Sync();

        _loader.Install(_dir.Write("2.onnx", SampleModels.Scale(2f)), "m", "2");
        _loader.Sync();

        _store.ReadActive("m").ShouldBe("1");
        _host.VersionsOf("m").ShouldBe(["1"]);
        var candidate = _loader.LoadBeside("m", "2");
        candidate.State.ShouldBe(ModelState.Ready);
        _host.Resolve("m", null).Version.ShouldBe("1");
    }

    [Fact]
    public void Activate_FlipsPersistsAndUnloadsTheOthers_RescanKeepsIt()
    {
        Add("m", "1", 1f);
        _loader.Sync();
        _loader.Install(_dir.Write("2.onnx", SampleModels.Scale(2f)), "m", "2");
        _loader.LoadBeside("m", "2");

        _loader.Activate("m", "2").ShouldBe("1");
        _loader.Sync();

        _store.ReadActive("m").ShouldBe("2");
        _host.VersionsOf("m").ShouldBe(["2"]);
        _host.Resolve("m", null).Version.ShouldBe("2");
        _store.List().Select(m => m.Version).ShouldBe(["1", "2"]);
    }

    [Fact]
    public void Activate_NotLoaded_ThrowsAndLeavesThePersistedVersion()
    {
        Add("m", "1", 1f);
        Add("m", "2", 2f);
        _store.WriteActive("m", "1");
        _loader.Sync();

        Should.Throw<InvalidOperationException>(() => _loader.Activate("m", "2"));

        _store.ReadActive("m").ShouldBe("1");
    }

    [Fact]
    public void Discard_FailedCandidate_UnloadsAndRemovesFilesButNeverTheActive()
    {
        Add("m", "1", 1f);
        _store.WriteActive("m", "1");
        _loader.Sync();
        _loader.Install(_dir.Write("2.onnx", SampleModels.Scale(2f)), "m", "2");
        _loader.LoadBeside("m", "2");

        _loader.Discard("m", "2", removeFiles: true);
        _loader.Discard("m", "1", removeFiles: true);

        _host.VersionsOf("m").ShouldBe(["1"]);
        _store.List().Select(m => m.Version).ShouldBe(["1"]);
    }

    [Fact]
    public void Prune_KeepsActiveAndPrevious_RemovesOlder()
    {
        Add("m", "1", 1f);
        Add("m", "2", 2f);
        Add("m", "3", 3f);
        _store.WriteActive("m", "3");
        _loader.Sync();

        _loader.Prune("m", ["3", "2"]).ShouldBe(["1"]);

        _store.List().Select(m => m.Version).ShouldBe(["2", "3"]);
    }

    [Fact]
    public void Deactivate_UnloadsAndKeepsFiles_RescanDoesNotReload()
    {
        Add("m", "1", 1f);
        _loader.Sync();

        _loader.Deactivate("m");
        _loader.Sync();

        _host.VersionsOf("m").ShouldBeEmpty();
        _store.List().ShouldHaveSingleItem().Version.ShouldBe("1");
    }

    private void Add(string name, string version, float factor) =>
        _store.Add(_dir.Write($"{name}-{version}.onnx", SampleModels.Scale(factor)), name, version);

    public void Dispose()
    {
        _loader.Dispose();
        _host.Dispose();
        _dir.Dispose();
    }
}

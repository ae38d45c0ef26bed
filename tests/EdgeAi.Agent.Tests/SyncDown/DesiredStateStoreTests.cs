using EdgeAi.Agent.SyncDown;
using EdgeAi.Common.Sync;

namespace EdgeAi.Agent.Tests.SyncDown;

public sealed class DesiredStateStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeai-desired-").FullName;

    [Fact]
    public void TrySave_NewerRevision_IsKeptAcrossRestart()
    {
        new DesiredStateStore(_dir).TrySave(State(3)).ShouldBeTrue();

        var reopened = new DesiredStateStore(_dir);
        reopened.Current.ShouldNotBeNull().Revision.ShouldBe(3);
        reopened.Current.Models.ShouldHaveSingleItem().Name.ShouldBe("resnet");
    }

    [Fact]
    public void TrySave_OlderOrSameRevision_IsIgnored()
    {
        var store = new DesiredStateStore(_dir);
        store.TrySave(State(5)).ShouldBeTrue();

        store.TrySave(State(5)).ShouldBeFalse();
        store.TrySave(State(4)).ShouldBeFalse();
        new DesiredStateStore(_dir).Current!.Revision.ShouldBe(5);
    }

    [Fact]
    public void Current_UnreadableFile_IsNullWithAProblemAndCanBeReplaced()
    {
        File.WriteAllBytes(Path.Combine(_dir, DesiredStateStore.FileName), [0xFF, 0xFF, 0xFF]);
        var store = new DesiredStateStore(_dir);

        store.Current.ShouldBeNull();
        store.LoadProblem.ShouldNotBeNull().ShouldContain(DesiredStateStore.FileName);
        store.TrySave(State(1)).ShouldBeTrue();
    }

    [Fact]
    public void Changed_CompletesOnNewerStateOnly()
    {
        var store = new DesiredStateStore(_dir);
        store.TrySave(State(2)).ShouldBeTrue();
        var changed = store.Changed;

        store.TrySave(State(2)).ShouldBeFalse();
        changed.IsCompleted.ShouldBeFalse();
        store.TrySave(State(3)).ShouldBeTrue();

        changed.IsCompletedSuccessfully.ShouldBeTrue();
        store.Changed.IsCompleted.ShouldBeFalse();
    }

    private static DesiredState State(long revision)
    {
        var state = new DesiredState { Revision = revision };
        state.Models.Add(new DesiredModel { Name = "resnet", Version = "2" });
        return state;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

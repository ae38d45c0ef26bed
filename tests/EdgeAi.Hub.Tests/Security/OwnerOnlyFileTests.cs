using EdgeAi.Hub.Security;

namespace EdgeAi.Hub.Tests.Security;

public sealed class OwnerOnlyFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgeai-secret-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void TryCreate_ReplicasRace_OneWinsAndEveryoneReadsItsWholeText()
    {
        var path = Path.Combine(_directory, "admin.key");
        var texts = Enumerable.Range(0, 8).Select(i => $"secret-{i}-{new string('x', 4096)}\n").ToArray();
        var won = new bool[texts.Length];

        Parallel.For(0, texts.Length, i => won[i] = OwnerOnlyFile.TryCreate(path, texts[i]));

        won.Count(w => w).ShouldBe(1);
        File.ReadAllText(path).ShouldBe(texts[Array.IndexOf(won, true)]);
        Directory.GetFiles(_directory, "*.tmp").ShouldBeEmpty();
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(path).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}

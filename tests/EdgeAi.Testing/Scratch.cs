namespace EdgeAi.Testing;

/// <summary>A temporary directory tree for one test (or one benchmark run), deleted with everything in it.</summary>
internal sealed class Scratch : IDisposable
{
    public Scratch(string prefix = "edgeai-test-") => Root = Directory.CreateTempSubdirectory(prefix).FullName;

    public string Root { get; }

    /// <summary>A subdirectory, created if it is not there yet.</summary>
    public string Sub(string name) => Directory.CreateDirectory(Path.Combine(Root, name)).FullName;

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

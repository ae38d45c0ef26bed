namespace EdgeAi.Bench.AgentProcess;

/// <summary>
/// How to start the real agent: the published binary (Native AOT) when
/// artifacts/publish/linux-x64/edge-agent exists, else the framework-dependent build beside this
/// benchmark through <c>dotnet edge-agent.dll</c>. A publish installs the binary
/// and the native libraries beside it (ONNX Runtime): both sizes are reported, separately.
/// </summary>
internal sealed record AgentBinary(string FileName, IReadOnlyList<string> PrefixArguments, string Description, long? PublishedBytes, long? NativeLibraryBytes)
{
    public static AgentBinary Find()
    {
        var folder = Path.Combine(ResNet18.Metadata("RepositoryRoot"), "artifacts", "publish", "linux-x64");
        var published = Path.Combine(folder, "edge-agent");
        if (OperatingSystem.IsLinux() && File.Exists(published))
        {
            var bytes = new FileInfo(published).Length;
            var native = Directory.EnumerateFiles(folder, "*.so*").Select(f => new FileInfo(f)).ToList();
            var names = native.Count == 0 ? "none beside it" : string.Join(", ", native.Select(f => $"`{f.Name}`"));
            return new AgentBinary(published, [], $"published native executable `artifacts/publish/linux-x64/edge-agent` (Native AOT); native libraries beside it: {names}",
                bytes, native.Sum(f => f.Length));
        }
        var built = Path.Combine(AppContext.BaseDirectory, "edge-agent.dll");
        if (!File.Exists(built) || !File.Exists(Path.ChangeExtension(built, ".runtimeconfig.json")))
        {
            throw new FileNotFoundException($"neither {published} nor a runnable {built} exists", built);
        }
        return new AgentBinary("dotnet", [built], "not published: `dotnet edge-agent.dll` (framework-dependent build)", null, null);
    }
}

namespace EdgeAi.Bench.AgentProcess;

/// <summary>
/// How to start the real agent: the published single-file binary when
/// artifacts/publish/linux-x64/edge-agent exists, else the framework-dependent build beside this
/// benchmark through <c>dotnet edge-agent.dll</c>.
/// </summary>
internal sealed record AgentBinary(string FileName, IReadOnlyList<string> PrefixArguments, string Description, long? PublishedBytes)
{
    public static AgentBinary Find()
    {
        var published = Path.Combine(ResNet18.Metadata("RepositoryRoot"), "artifacts", "publish", "linux-x64", "edge-agent");
        if (OperatingSystem.IsLinux() && File.Exists(published))
        {
            var bytes = new FileInfo(published).Length;
            return new AgentBinary(published, [], $"published single file `artifacts/publish/linux-x64/edge-agent`", bytes);
        }
        var built = Path.Combine(AppContext.BaseDirectory, "edge-agent.dll");
        if (!File.Exists(built) || !File.Exists(Path.ChangeExtension(built, ".runtimeconfig.json")))
        {
            throw new FileNotFoundException($"neither {published} nor a runnable {built} exists", built);
        }
        return new AgentBinary("dotnet", [built], "not published: `dotnet edge-agent.dll` (framework-dependent build)", null);
    }
}

namespace EdgeAi.Agent.Pipelines;

/// <summary>A classifier's labels: one per line, line i naming class i (trailing blank lines ignored).</summary>
internal static class LabelsFile
{
    /// <summary>A relative path is taken from the data directory, where the device keeps its models.</summary>
    public static string Resolve(string path, string dataDirectory) =>
        Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(dataDirectory, path));

    public static IReadOnlyList<string> Read(string path)
    {
        var lines = File.ReadAllLines(path).Select(l => l.TrimEnd('\r')).ToList();
        while (lines.Count > 0 && string.IsNullOrWhiteSpace(lines[^1]))
        {
            lines.RemoveAt(lines.Count - 1);
        }
        return lines;
    }
}

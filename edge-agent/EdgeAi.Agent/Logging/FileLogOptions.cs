using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Logging;

/// <summary>
/// The agent's own log file (<c>Agent:Logs</c>): the recent log kept in the data directory, so a support
/// bundle made later (by <c>edge-agent support-bundle</c> or at the hub's request) has it. Which messages it
/// takes is the usual logging filter, under the provider alias <c>File</c> (<c>Logging:File:LogLevel:Default</c>).
/// </summary>
internal sealed class FileLogOptions
{
    public const string Section = "Agent:Logs";

    /// <summary>On by default; off writes no file.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Where the files go; default <c>{Agent:DataDirectory}/logs</c>.</summary>
    public string? Directory { get; set; }

    /// <summary>A file is rotated when it would grow past this (default 1 MiB).</summary>
    [Range(16 * 1024, 256L * 1024 * 1024)]
    public long MaxFileBytes { get; set; } = 1024 * 1024;

    /// <summary>Files kept, the current one included (agent.log, agent.1.log, …; default 3).</summary>
    [Range(1, 10)]
    public int MaxFiles { get; set; } = 3;

    public string DirectoryUnder(string dataDirectory) => Directory is { Length: > 0 } directory ? directory : Path.Combine(dataDirectory, "logs");
}

[OptionsValidator]
internal sealed partial class FileLogOptionsValidator : IValidateOptions<FileLogOptions>;

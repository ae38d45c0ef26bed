using System.Diagnostics;

namespace EdgeAi.Common.Service;

/// <summary>A program and its argument list, exactly as it is started (no shell in between).</summary>
public sealed record ExternalCommand(string Program, IReadOnlyList<string> Arguments)
{
    public ExternalCommand(string program, params string[] arguments)
        : this(program, (IReadOnlyList<string>)arguments)
    {
    }

    /// <summary>As a person would type it in a POSIX shell: words with spaces or quotes in single quotes.</summary>
    public override string ToString() => string.Join(' ', new[] { Program }.Concat(Arguments).Select(Quote));

    private static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or '=' or ':' or ',' or '@' or '+')
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

/// <summary>How an external command ended.</summary>
public sealed record CommandOutcome(int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The last line it wrote to stderr (else stdout), for a one-line report.</summary>
    public string LastLine => (Error.Trim().Length > 0 ? Error : Output).Trim().Split('\n')[^1].Trim();
}

/// <summary>Runs external commands (systemctl, useradd, sc.exe); tests substitute one that records them.</summary>
public interface ICommandRunner
{
    Task<CommandOutcome> RunAsync(ExternalCommand command, CancellationToken cancellationToken);
}

/// <summary>Starts the program and waits for it, capturing what it writes.</summary>
public sealed class ProcessCommandRunner : ICommandRunner
{
    public async Task<CommandOutcome> RunAsync(ExternalCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var start = new ProcessStartInfo(command.Program, command.Arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"{command.Program} did not start");
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return new CommandOutcome(process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            // 127, as a shell reports a command it cannot find.
            return new CommandOutcome(127, "", $"{command.Program}: {e.Message}");
        }
    }
}

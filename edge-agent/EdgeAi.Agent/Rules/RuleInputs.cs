using System.Diagnostics;
using System.IO.Enumeration;

namespace EdgeAi.Agent.Rules;

/// <summary>A rule's stage failed: the stage (input, target, action) and what went wrong, in words.</summary>
internal sealed class RuleStageException(string stage, string message, Exception? inner = null) : Exception(message, inner)
{
    public const string Input = "input";
    public const string Target = "target";
    public const string Action = "action";

    public string Stage { get; } = stage;
}

/// <summary>
/// Where a rule's input comes from: the file that triggered it, the newest matching file in a directory, or the
/// file a capture command writes (the command is run directly, never through a shell, and killed past its
/// timeout). A fire without a triggering file (by hand, by the hub) of a trigger-file rule takes the newest
/// matching file of the watched directory.
/// </summary>
internal static class RuleInputs
{
    /// <summary>The input file's path, or null for a rule without input.</summary>
    public static async Task<string?> ResolveAsync(RuleOptions rule, string? triggerFile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var input = rule.Input;
        switch (input.Kind)
        {
            case RuleInputKinds.TriggerFile:
                return triggerFile ?? Newest(rule.Trigger.Directory!, rule.Trigger.Pattern);
            case RuleInputKinds.NewestFile:
                return Newest(input.Directory!, input.Pattern);
            case RuleInputKinds.Capture:
                await CaptureAsync(input, cancellationToken).ConfigureAwait(false);
                return input.OutputFile;
            default:
                return null;
        }
    }

    /// <summary>The most recently written file matching <paramref name="pattern"/>; none is a failure of the input stage.</summary>
    public static string Newest(string directory, string pattern)
    {
        try
        {
            var newest = new DirectoryInfo(directory).EnumerateFiles()
                .Where(f => Matches(pattern, f.Name))
                .MaxBy(f => f.LastWriteTimeUtc);
            return newest?.FullName ?? throw new RuleStageException(RuleStageException.Input, $"no file matching '{pattern}' in {directory}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RuleStageException(RuleStageException.Input, $"cannot list {directory}: {e.Message}", e);
        }
    }

    /// <summary>The glob of file triggers and newest-file inputs: * and ? on the file name, case-insensitive.</summary>
    public static bool Matches(string pattern, string fileName) => FileSystemName.MatchesSimpleExpression(pattern, fileName, ignoreCase: true);

    private static async Task CaptureAsync(RuleInputOptions input, CancellationToken cancellationToken)
    {
        var output = input.OutputFile!;
        try
        {
            File.Delete(output); // a file left by an earlier run must not pass for this one's
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RuleStageException(RuleStageException.Input, $"cannot remove the previous capture {output}: {e.Message}", e);
        }
        var start = new ProcessStartInfo(input.Command!)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in input.Arguments)
        {
            start.ArgumentList.Add(argument.Replace("{output}", output, StringComparison.Ordinal));
        }
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new RuleStageException(RuleStageException.Input, $"capture command {input.Command} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new RuleStageException(RuleStageException.Input, $"capture command {input.Command} cannot be run: {e.Message}", e);
        }
        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(input.Timeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                throw new RuleStageException(RuleStageException.Input, $"capture command {input.Command} did not finish within {input.Timeout} and was killed");
            }
            await stdout.ConfigureAwait(false);
            var errors = (await stderr.ConfigureAwait(false)).Trim();
            if (process.ExitCode != 0)
            {
                throw new RuleStageException(RuleStageException.Input,
                    $"capture command {input.Command} exited with code {process.ExitCode}{(errors.Length > 0 ? ": " + Last(errors) : "")}");
            }
        }
        if (!File.Exists(output))
        {
            throw new RuleStageException(RuleStageException.Input, $"capture command {input.Command} exited 0 but did not write {output}");
        }
    }

    /// <summary>The end of a command's error output, enough to say why without flooding logs and events.</summary>
    private static string Last(string text) => text.Length <= 300 ? text : "…" + text[^300..];
}

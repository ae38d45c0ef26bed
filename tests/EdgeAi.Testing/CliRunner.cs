using System.CommandLine;
using EdgeAi.Agent.Cli;
using EdgeAi.Hub.Cli;

namespace EdgeAi.Testing;

/// <summary>Runs the real cloud-hub and edge-agent command lines in this process, capturing what they print.</summary>
internal static class CliRunner
{
    public static Task<CliResult> HubAsync(params string[] args) => RunAsync(HubCli.Build(), args);

    public static Task<CliResult> AgentAsync(params string[] args) => RunAsync(AgentCli.Build(), args);

    /// <summary>The <c>edge-agent enroll …</c> line that <c>cloud-hub tokens create</c> printed for the operator to run.</summary>
    public static string EnrollLine(CliResult tokensCreate) =>
        tokensCreate.Output.Split('\n').Select(l => l.Trim()).SingleOrDefault(l => l.StartsWith("edge-agent enroll ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"tokens create printed no 'edge-agent enroll' line:\n{tokensCreate}");

    /// <summary>Runs a printed enroll line as is, as <paramref name="deviceId"/> into <paramref name="dataDirectory"/>.</summary>
    public static Task<CliResult> EnrollAsync(string enrollLine, string deviceId, string dataDirectory) =>
        AgentAsync([.. enrollLine.Split(' ')[1..], "--device-id", deviceId, "--data-dir", dataDirectory]);

    private static async Task<CliResult> RunAsync(RootCommand root, string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return new CliResult(exit, output.ToString(), error.ToString());
    }
}

internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}

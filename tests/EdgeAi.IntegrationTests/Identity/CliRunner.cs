using System.CommandLine;
using EdgeAi.Agent.Cli;
using EdgeAi.Hub.Cli;

namespace EdgeAi.IntegrationTests.Identity;

/// <summary>Runs the real cloud-hub and edge-agent command lines in this process, capturing what they print.</summary>
internal static class CliRunner
{
    public static Task<CliResult> HubAsync(params string[] args) => RunAsync(HubCli.Build(), args);

    public static Task<CliResult> AgentAsync(params string[] args) => RunAsync(AgentCli.Build(), args);

    private static async Task<CliResult> RunAsync(RootCommand root, string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return new CliResult(exit, output.ToString(), error.ToString());
    }
}

internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}

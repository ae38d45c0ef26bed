using System.CommandLine;
using System.Net;
using EdgeAi.Agent.Hosting;
using EdgeAi.Common.Service;

namespace EdgeAi.Agent.Service;

/// <summary>The agent as a system service: <c>edge-agent service …</c>, and the host's side (notify, watchdog).</summary>
internal static class AgentService
{
    public static ServiceProduct Product { get; } = new(
        Name: "edge-agent",
        Description: "EdgeAi edge agent",
        DefaultUser: "edgeai",
        LinuxDataDirectory: "/var/lib/edgeai",
        WindowsDataDirectory: Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "EdgeAi", "edge-agent"),
        UsesGpio: true);

    /// <param name="dataDirectory">The root command's recursive --data-dir, which install and uninstall use too.</param>
    public static Command Command(Option<string?> dataDirectory, ICommandRunner? runner = null) =>
        ServiceCommand.Create(Product, dataDirectory, runner);

    /// <summary>systemd / Windows service integration; the watchdog is fed while the agent answers its own /healthz.</summary>
    public static IHostApplicationBuilder AddAgentService(this IHostApplicationBuilder builder)
    {
        builder.Services.AddServiceManagers();
        builder.Services.AddSingleton<ILivenessProbe>(sp =>
        {
            var endpoints = sp.GetRequiredService<AgentEndpoints>();
            return new HttpLivenessProbe(() => endpoints.HttpUri, HttpVersion.Version11);
        });
        return builder;
    }
}

using System.CommandLine;
using System.Net;
using EdgeAi.Common.Service;
using EdgeAi.Hub.Hosting;

namespace EdgeAi.Hub.Service;

/// <summary>The hub as a system service: <c>cloud-hub service …</c>, and the host's side (notify, watchdog).</summary>
internal static class HubService
{
    public static ServiceProduct Product { get; } = new(
        Name: "cloud-hub",
        Description: "EdgeAi cloud hub",
        DefaultUser: "edgeai-hub",
        LinuxDataDirectory: "/var/lib/edgeai-hub",
        WindowsDataDirectory: Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "EdgeAi", "cloud-hub"),
        UsesGpio: false);

    public static Command Command(ICommandRunner? runner = null) => ServiceCommand.Create(Product, runner: runner);

    /// <summary>
    /// systemd / Windows service integration; the watchdog is fed while the hub answers its own /healthz over HTTP/2
    /// (TLS with its own certificate, or h2c with --insecure-dev).
    /// </summary>
    public static IHostApplicationBuilder AddHubService(this IHostApplicationBuilder builder)
    {
        builder.Services.AddServiceManagers();
        builder.Services.AddSingleton<ILivenessProbe>(sp =>
        {
            var endpoints = sp.GetRequiredService<HubEndpoints>();
            return new HttpLivenessProbe(() => endpoints.Uri, HttpVersion.Version20, () => endpoints.Certificate);
        });
        return builder;
    }
}

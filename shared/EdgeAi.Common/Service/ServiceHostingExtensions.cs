using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;

namespace EdgeAi.Common.Service;

public static class ServiceHostingExtensions
{
    /// <summary>
    /// Lets systemd or the Windows service manager run the host: READY=1 once started and STOPPING=1 when stopping
    /// (Type=notify), the Windows service lifetime, and the watchdog. Each is a no-op where it does not apply.
    /// </summary>
    public static IServiceCollection AddServiceManagers(this IServiceCollection services)
    {
        services.AddWindowsService();
        if (!OperatingSystem.IsWindows())
        {
            services.AddSystemd();
            if (!SystemdHelpers.IsSystemdService() && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NOTIFY_SOCKET")))
            {
                // AddSystemd trusts only a systemd parent process; NOTIFY_SOCKET is systemd's own request to be told,
                // and it is set too when the service is started through a wrapper (or, in our tests, by the test).
                services.AddSingleton<IHostLifetime, SystemdLifetime>();
            }
        }
        services.TryAddSingleton<ISystemdNotifier, SystemdNotifier>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new SystemdWatchdogOptions(WatchdogSettings.PingInterval()));
        services.AddHostedService<SystemdWatchdog>();
        return services;
    }
}

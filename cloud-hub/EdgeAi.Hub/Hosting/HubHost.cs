using System.Net;
using System.Reflection;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Batching;
using EdgeAi.Hub.Broker;
using EdgeAi.Hub.Dashboard;
using EdgeAi.Hub.Enrollment;
using EdgeAi.Hub.Deployments;
using EdgeAi.Hub.Ingest;
using EdgeAi.Hub.Registry;
using EdgeAi.Hub.Security;
using EdgeAi.Hub.Store;
using EdgeAi.Serving;
using EdgeAi.Serving.Hosting;
using EdgeAi.Serving.Protocol;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Hosting;

/// <summary>Composes the hub: TLS listener, device authentication, model host with dynamic batching, the protocol, MQTT sync, admin API.</summary>
internal static class HubHost
{
    public static string Version { get; } =
        typeof(HubHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>Configuration: appsettings.json beside the executable, EDGEAI_-prefixed environment variables, then <paramref name="overrides"/>.</summary>
    public static WebApplication Build(IEnumerable<KeyValuePair<string, string?>> overrides)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddEnvironmentVariables("EDGEAI_");
        builder.Configuration.AddInMemoryCollection(overrides);
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.AddCloudHub();

        var app = builder.Build();
        app.UseMiddleware<DeviceAuthentication>();
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/api"), api => api.UseMiddleware<AdminAuthentication>().UseMiddleware<AdminBodyLimit>());
        app.UseGrpcFrameCheck();
        app.MapGet("/healthz", context => context.Response.WriteAsync("ok", context.RequestAborted));
        app.MapGet("/metrics", context =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4";
            var services = context.RequestServices;
            return context.Response.WriteAsync(
                services.GetRequiredService<BatchingMetrics>().ToPrometheus() + services.GetRequiredService<IngestMetrics>().ToPrometheus()
                + services.GetRequiredService<MqttRefusals>().ToPrometheus() + services.GetRequiredService<DownloadMetrics>().ToPrometheus(), context.RequestAborted);
        });
        app.MapInferenceProtocol();
        app.MapAdminApi();
        app.MapDashboard();
        app.MapIdentityApi();
        app.MapModelRollout();
        app.MapGrpcService<EnrollmentService>();
        app.MapGrpcService<ModelDownloadService>();
        return app;
    }

    public static IHostApplicationBuilder AddCloudHub(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<HubOptions>().BindConfiguration(HubOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HubOptions>, HubOptionsValidator>();
        services.AddOptions<BatchingOptions>().BindConfiguration(BatchingOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BatchingOptions>, BatchingOptionsValidator>();
        services.AddOptions<DashboardOptions>().BindConfiguration(DashboardOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DashboardOptions>, DashboardOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        services.TryAddSingleton<LoopSupervisor>();
        builder.AddModelServing();
        // The inference service receives up to ModelHost:MaxRequestBytes (AddModelServing); the fleet service's requests are tiny.
        services.AddFleetService<EnrollmentService>();
        services.AddFleetService<ModelDownloadService>();
        builder.AddModelStore(
            sp => sp.GetRequiredService<IOptions<HubOptions>>().Value.ModelsDirectory,
            sp => sp.GetRequiredService<IOptions<HubOptions>>().Value.ModelRescanInterval);
        services.AddSingleton<BatchingMetrics>();
        services.AddSingleton<BatchingBackend>();
        services.AddSingleton<IInferenceBackend>(sp => sp.GetRequiredService<BatchingBackend>());
        services.AddSingleton(new ServerIdentity("edgeai-hub", Version, []));
        services.AddSingleton<HubEndpoints>();
        services.AddSingleton<DeviceCredentials>();
        builder.AddHubStore();
        services.AddSingleton<AuditLog>();
        services.AddDeviceIdentity();
        builder.AddIngest();
        builder.AddBroker();
        builder.AddModelRollout();
        services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<HubOptions>, IOptions<ModelHostOptions>, HubEndpoints, TimeProvider>((kestrel, hubOptions, host, endpoints, time) =>
            {
                var hub = hubOptions.Value;
                var address = IPAddress.TryParse(hub.ListenAddress, out var parsed) ? parsed : IPAddress.Any;
                kestrel.Limits.MaxRequestBodySize = host.Value.MaxRequestBytes;
                if (!hub.AllowInsecureHttp)
                {
                    endpoints.LoadCertificate(hub, time);
                }
                kestrel.Listen(address, hub.Port, listen =>
                {
                    if (endpoints.Certificate is { } certificate)
                    {
                        listen.Protocols = HttpProtocols.Http1AndHttp2;
                        listen.UseHttps(certificate);
                    }
                    else
                    {
                        listen.Protocols = HttpProtocols.Http2;
                    }
                    endpoints.Listener = listen;
                });
            });
        return builder;
    }
}

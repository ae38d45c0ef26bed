using System.Net;
using System.Reflection;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Batching;
using EdgeAi.Hub.Broker;
using EdgeAi.Hub.Dashboard;
using EdgeAi.Hub.Deployments;
using EdgeAi.Hub.Enrollment;
using EdgeAi.Hub.Health;
using EdgeAi.Hub.Http;
using EdgeAi.Hub.Ingest;
using EdgeAi.Hub.Leadership;
using EdgeAi.Hub.Registry;
using EdgeAi.Hub.Security;
using EdgeAi.Hub.Service;
using EdgeAi.Hub.Store;
using EdgeAi.Hub.Support;
using EdgeAi.Hub.Tracing;
using EdgeAi.Hub.Twin;
using EdgeAi.Serving;
using EdgeAi.Serving.Health;
using EdgeAi.Serving.Hosting;
using EdgeAi.Serving.Protocol;
using EdgeAi.Serving.Repository;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;
using EdgeAi.Serving.Tracing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Hosting;

/// <summary>
/// Composes the hub from its rooms, each registering its own services (<c>AddXxx</c>) and mapping its
/// own routes: the TLS listener, security, the model host with dynamic batching, the protocol, the
/// store, ingest and the broker, enrollment, the registry, deployments, the twin, the admin API and
/// the dashboard. No service relies on being registered before another: what one needs at start it
/// awaits (<see cref="StoreInitializer.EnsureCreatedAsync"/>, <see cref="DeviceCredentialsLoader.EnsureLoadedAsync"/>,
/// <see cref="IDeviceBroker.Ready"/>).
/// </summary>
internal static class HubHost
{
    public static string Version { get; } =
        typeof(HubHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>Configuration: appsettings.json beside the executable, EDGEAI_-prefixed environment variables, then <paramref name="overrides"/>.</summary>
    public static WebApplication Build(IEnumerable<KeyValuePair<string, string?>> overrides)
    {
        var builder = CreateBuilder(overrides);
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.AddCloudHub();

        var app = builder.Build();
        app.UseHubHttp();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseGrpcFrameCheck();
        app.MapCloudHub();
        return app;
    }

    /// <summary>A builder with the hub's configuration and nothing else: what the hub and <c>cloud-hub db</c> share.</summary>
    public static WebApplicationBuilder CreateBuilder(IEnumerable<KeyValuePair<string, string?>> overrides)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddEnvironmentVariables("EDGEAI_");
        builder.Configuration.AddInMemoryCollection(overrides);
        return builder;
    }

    public static IHostApplicationBuilder AddCloudHub(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<HubOptions>().BindConfiguration(HubOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HubOptions>, HubOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        services.TryAddSingleton<LoopSupervisor>();
        services.AddSingleton<HubEndpoints>();
        services.AddSingleton<HubMetrics>();
        services.AddPrometheusExporter();
        services.AddSingleton(new ServerIdentity("edgeai-hub", Version));
        services.AddSingleton(new ProtocolExtension("binary_tensor_data"));
        services.AddSingleton(new ProtocolExtension("model_repository"));
        services.AddSingleton(new ProtocolExtension("statistics"));
        services.AddSingleton<IModelRepositoryAccess, HubRepositoryAccess>();
        builder.AddModelServing();
        builder.AddModelStore(
            sp => sp.GetRequiredService<IOptions<HubOptions>>().Value.ModelsDirectory,
            sp => sp.GetRequiredService<IOptions<HubOptions>>().Value.ModelRescanInterval);
        builder.AddHubHttp();
        builder.AddHubSecurity();
        builder.AddDynamicBatching();
        builder.AddHubStore();
        builder.AddLeadership();
        builder.AddIngest();
        builder.AddBroker();
        builder.AddAdminApi();
        builder.AddEnrollment();
        builder.AddModelRegistry();
        builder.AddDeployments();
        builder.AddDeviceTwin();
        builder.AddDashboard();
        builder.AddSupportBundles();
        builder.AddHubService();
        builder.AddHubHealth();
        builder.AddEdgeAiTracing("cloud-hub", sp => sp.GetRequiredService<LeaderLease>().Holder, HubActivities.SourceName);
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

    /// <summary>The open routes, what devices call with their key, and the admin API.</summary>
    public static IEndpointRouteBuilder MapCloudHub(this IEndpointRouteBuilder app)
    {
        app.MapHealthEndpoints().AllowAnonymous();
        app.MapPrometheusMetrics().AllowAnonymous();
        _ = app.ServiceProvider.GetRequiredService<HubMetrics>();
        app.MapDashboard();
        // The Open Inference Protocol (its /v2/health routes stay open): a device key, or the admin key (repository load and unload
        // need it). Model downloads: a device key.
        app.MapGroup("").RequireAuthorization(HubAuthorization.ProtocolPolicy).MapInferenceProtocol();
        app.MapGrpcService<ModelDownloadService>().RequireAuthorization(HubAuthorization.DevicePolicy);
        app.MapGrpcService<SupportBundleUploadService>().RequireAuthorization(HubAuthorization.DevicePolicy);
        // Enroll is open: the token it carries authorises it (a device has no key before it enrolls).
        app.MapGrpcService<EnrollmentService>();
        app.MapAdminApi()
            .MapDeviceApi()
            .MapAuditApi()
            .MapRevocationApi()
            .MapEnrollmentApi()
            .MapRegistryApi()
            .MapDeploymentApi()
            .MapTwinApi()
            .MapFleetViewApi()
            .MapSupportBundleApi();
        return app;
    }
}

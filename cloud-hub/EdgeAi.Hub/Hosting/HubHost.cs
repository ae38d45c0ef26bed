using System.Net;
using System.Reflection;
using EdgeAi.Hub.Batching;
using EdgeAi.Hub.Security;
using EdgeAi.Serving;
using EdgeAi.Serving.Protocol;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Hosting;

/// <summary>Composes the hub: TLS listener, device authentication, model host with dynamic batching, the protocol.</summary>
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
        app.MapGet("/healthz", context => context.Response.WriteAsync("ok", context.RequestAborted));
        app.MapGet("/metrics", context =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4";
            return context.Response.WriteAsync(context.RequestServices.GetRequiredService<BatchingMetrics>().ToPrometheus(), context.RequestAborted);
        });
        app.MapInferenceProtocol();
        return app;
    }

    public static IHostApplicationBuilder AddCloudHub(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<HubOptions>().BindConfiguration(HubOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HubOptions>, HubOptionsValidator>();
        services.AddOptions<BatchingOptions>().BindConfiguration(BatchingOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BatchingOptions>, BatchingOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        builder.AddModelServing();
        builder.AddModelStore(
            sp => sp.GetRequiredService<IOptions<HubOptions>>().Value.ModelsDirectory,
            sp => sp.GetRequiredService<IOptions<HubOptions>>().Value.ModelRescanInterval);
        services.AddSingleton<BatchingMetrics>();
        services.AddSingleton<BatchingBackend>();
        services.AddSingleton<IInferenceBackend>(sp => sp.GetRequiredService<BatchingBackend>());
        services.AddSingleton(new ServerIdentity("edgeai-hub", Version, []));
        services.AddSingleton<HubEndpoints>();
        services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<HubOptions>, IOptions<ModelHostOptions>, HubEndpoints, TimeProvider>((kestrel, hubOptions, host, endpoints, time) =>
            {
                var hub = hubOptions.Value;
                var address = IPAddress.TryParse(hub.ListenAddress, out var parsed) ? parsed : IPAddress.Any;
                kestrel.Limits.MaxRequestBodySize = host.Value.MaxRequestBytes;
                if (!hub.AllowInsecureHttp)
                {
                    endpoints.Certificate = HubCertificate.LoadOrCreate(hub.DataDirectory, hub.CertificatePath, hub.CertificatePassword, time);
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

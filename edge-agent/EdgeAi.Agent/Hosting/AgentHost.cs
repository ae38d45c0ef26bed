using System.Net;
using Microsoft.AspNetCore.Http;
using System.Reflection;
using EdgeAi.Agent.Cloud;
using EdgeAi.Agent.Diagnostics;
using EdgeAi.Agent.Enrollment;
using EdgeAi.Agent.Gpio;
using EdgeAi.Agent.Health;
using EdgeAi.Agent.Logging;
using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.Pipelines;
using EdgeAi.Agent.Routing;
using EdgeAi.Agent.Rules;
using EdgeAi.Agent.Service;
using EdgeAi.Agent.SyncDown;
using EdgeAi.Agent.Support;
using EdgeAi.Agent.SyncUp;
using EdgeAi.Agent.Telemetry;
using EdgeAi.Agent.Tracing;
using EdgeAi.Agent.Twin;
using EdgeAi.Agent.Uplink;
using EdgeAi.Serving;
using EdgeAi.Serving.Health;
using EdgeAi.Serving.Hosting;
using EdgeAi.Serving.Protocol;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Tracing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Hosting;

/// <summary>Composes the agent: configuration, model store and host, and the protocol listeners.</summary>
internal static class AgentHost
{
    public static string Version { get; } =
        typeof(AgentHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>
    /// Builds the agent. Configuration, lowest to highest precedence: appsettings.json beside the
    /// executable, the enrolled identity (identity.json in the data directory), environment variables
    /// (EDGEAI_Agent__HttpPort=9000), <paramref name="overrides"/> (what the command line set), then
    /// the hub's desired configuration, which may set only the keys that apply live (routing,
    /// telemetry sampling).
    /// </summary>
    public static WebApplication Build(IEnumerable<KeyValuePair<string, string?>> overrides)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            // Local files are read once and validated at start. Routing and telemetry options are read
            // live, so a file edited into an invalid state must not reach them; live changes come only
            // through the hub's desired layer, which is validated before it applies.
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
            ContentRootPath = AppContext.BaseDirectory,
        });
        var identityLayer = builder.Configuration.Sources.Count;
        builder.Configuration.AddEnvironmentVariables("EDGEAI_");
        builder.Configuration.AddInMemoryCollection(overrides);
        builder.Configuration.AddDeviceIdentity(identityLayer);
        builder.Configuration.AddDesiredConfiguration();
        builder.AddEdgeAgent();

        var app = builder.Build();
        app.UseGrpcFrameCheck();
        app.MapHealthEndpoints();
        app.MapPrometheusMetrics();
        _ = app.Services.GetRequiredService<InferenceMetrics>();
        // Once started, not here: some sources need the outbox, and `check` and `support-bundle` build the host
        // without starting it, reading the outbox file page by page instead of opening it.
        app.Lifetime.ApplicationStarted.Register(() => _ = app.Services.GetServices<IMetricsSource>().ToList());
        app.MapInferenceProtocol();
        app.MapGpio();
        app.MapRules();
        return app;
    }

    /// <summary>
    /// The agent's services: its host and listeners, model serving, and one <c>AddXxx</c> per folder, each
    /// registering only that folder's services. Start-up dependencies are explicit (<see cref="AgentStartup"/>,
    /// the model loader's initial load), so the order of these calls does not matter.
    /// </summary>
    public static IHostApplicationBuilder AddEdgeAgent(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AgentOptions>().BindConfiguration(AgentOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        // Every agent loop runs under the LoopSupervisor, which restarts it; should one still fault, the
        // device keeps serving rather than stopping (the .NET default stops the host, and exits with code 0).
        services.Configure<HostOptions>(o => o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.Ignore);
        services.TryAddSingleton<LoopSupervisor>();
        services.AddHostedService<AgentStartup>();
        StartupMemoryRelease.AddStartupMemoryRelease(services);
        services.AddPrometheusExporter();
        builder.AddModelServing();
        builder.AddModelStore(
            sp => sp.GetRequiredService<IOptions<AgentOptions>>().Value.ModelsDirectory,
            sp => sp.GetRequiredService<IOptions<AgentOptions>>().Value.ModelRescanInterval);
        // The protocol endpoints serve through telemetry's meter around the pipelines, which pass models on to the router.
        services.AddSingleton<IInferenceBackend>(sp => new MeteredBackend(
            sp.GetRequiredService<PipelineBackend>(), sp.GetRequiredService<InferenceMetrics>(), sp.GetRequiredService<InferenceSampler>()));
        builder.AddRouting()
            .AddCloud()
            .AddOutbox()
            .AddTelemetry()
            .AddUplink()
            .AddSyncUp()
            .AddSyncDown()
            .AddTwin()
            .AddGpio()
            .AddRules()
            .AddPipelines()
            .AddDiagnostics()
            .AddAgentHealth();
        builder.AddFileLog();
        builder.AddSupportBundles();
        services.AddSingleton(new ServerIdentity("edgeai-agent", Version));
        services.AddSingleton(new ProtocolExtension("binary_tensor_data"));
        builder.AddSystemSharedMemory();
        // Both serve the local model store and host (not what the router forwards to the hub).
        services.AddSingleton(new ProtocolExtension("model_repository"));
        services.AddSingleton(new ProtocolExtension("statistics"));
        builder.AddListeners();
        builder.AddAgentService();
        builder.AddEdgeAiTracing("edge-agent", sp => sp.GetRequiredService<IOptions<AgentOptions>>().Value.DeviceId, AgentActivities.SourceName);
        return builder;
    }

    /// <summary>
    /// REST (HTTP/1.1) and gRPC (HTTP/2 without TLS) on Agent:ListenAddress, and on two Unix sockets when
    /// Agent:UnixSocket:Directory is set; <see cref="AgentEndpoints"/> holds what was bound.
    /// </summary>
    private static void AddListeners(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AgentEndpoints>();
        builder.Services.AddOptions<UnixSocketOptions>().BindConfiguration(UnixSocketOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<UnixSocketOptions>, UnixSocketOptionsValidator>();
        builder.Services.AddSingleton(sp => new UnixSocketBinder(sp.GetRequiredService<IOptions<UnixSocketOptions>>().Value));
        builder.Services.AddOptions<SocketTransportOptions>()
            .Configure<UnixSocketBinder>((sockets, binder) => sockets.CreateBoundListenSocket = binder.CreateBoundListenSocket);
        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<AgentOptions>, IOptions<ModelHostOptions>, IOptions<UnixSocketOptions>, AgentEndpoints>((kestrel, agent, host, unix, endpoints) =>
            {
                var address = IPAddress.TryParse(agent.Value.ListenAddress, out var parsed) ? parsed : IPAddress.Loopback;
                kestrel.Limits.MaxRequestBodySize = host.Value.MaxRequestBytes;
                kestrel.Listen(address, agent.Value.HttpPort, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1;
                    endpoints.Http = listen;
                });
                // gRPC without TLS needs an HTTP/2-only endpoint (prior knowledge).
                kestrel.Listen(address, agent.Value.GrpcPort, listen =>
                {
                    listen.Protocols = HttpProtocols.Http2;
                    endpoints.Grpc = listen;
                });
                if (unix.Value.Enabled)
                {
                    // For the same reason, two sockets: without TLS one endpoint cannot offer both protocols.
                    kestrel.ListenUnixSocket(unix.Value.RestPath, listen => listen.Protocols = HttpProtocols.Http1);
                    kestrel.ListenUnixSocket(unix.Value.GrpcPath, listen => listen.Protocols = HttpProtocols.Http2);
                    endpoints.UnixSockets = unix.Value;
                }
            });
    }
}

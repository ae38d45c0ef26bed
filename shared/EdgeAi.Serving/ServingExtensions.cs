using EdgeAi.Serving.Hosting;
using EdgeAi.Serving.Protocol;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Statistics;
using EdgeAi.Serving.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeAi.Serving;

public static class ServingExtensions
{
    /// <summary>
    /// The ONNX Runtime model host with its options (section "ModelHost", validated on start) and the
    /// Open Inference Protocol gRPC service. The caller registers its <see cref="IInferenceBackend"/>
    /// and <see cref="ServerIdentity"/>.
    /// </summary>
    public static IHostApplicationBuilder AddModelServing(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<ModelHostOptions>().BindConfiguration(ModelHostOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ModelHostOptions>, ModelHostOptionsValidator>();
        builder.Services.AddSingleton<SessionFactory>();
        builder.Services.AddSingleton<ServingMeters>();
        builder.Services.AddSingleton<ModelHost>();
        builder.Services.AddGrpc();
        builder.Services.AddOptions<Grpc.AspNetCore.Server.GrpcServiceOptions>()
            .Configure<IOptions<ModelHostOptions>>((grpc, host) =>
            {
                grpc.MaxReceiveMessageSize = host.Value.MaxRequestBytes;
                grpc.MaxSendMessageSize = null;
                grpc.EnableDetailedErrors = false;
                // gzip only, and limited to the same size once decompressed (see LimitedGzipCompression).
                grpc.CompressionProviders.Clear();
                grpc.CompressionProviders.Add(new LimitedGzipCompression(host.Value.MaxRequestBytes));
            });
        builder.Services.AddOptions<GrpcMessageLimits>()
            .Configure<IOptions<ModelHostOptions>>((limits, host) => limits.Default = new(host.Value.MaxRequestBytes, "ModelHost:MaxRequestBytes"));
        return builder;
    }

    /// <summary>The model store and the loader that keeps the model host in step with it.</summary>
    public static IHostApplicationBuilder AddModelStore(
        this IHostApplicationBuilder builder, Func<IServiceProvider, string> modelsDirectory, Func<IServiceProvider, TimeSpan> rescanInterval)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(sp => new ModelStore(modelsDirectory(sp), sp.GetRequiredService<TimeProvider>()));
        builder.Services.TryAddSingleton<LoopSupervisor>();
        builder.Services.AddSingleton(sp => new ModelLoader(
            sp.GetRequiredService<ModelStore>(),
            sp.GetRequiredService<ModelHost>(),
            sp.GetRequiredService<TimeProvider>(),
            rescanInterval(sp),
            sp.GetRequiredService<ILogger<ModelLoader>>(),
            sp.GetRequiredService<LoopSupervisor>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ModelLoader>());
        return builder;
    }

    /// <summary>
    /// Answers gRPC requests whose first message header is broken before grpc-dotnet reads them
    /// (<see cref="GrpcFrameCheck"/>). Use it after authentication, before the endpoints.
    /// </summary>
    public static IApplicationBuilder UseGrpcFrameCheck(this IApplicationBuilder app) => app.UseMiddleware<GrpcFrameCheck>();

    /// <summary>Maps the protocol's gRPC service and REST routes.</summary>
    public static IEndpointRouteBuilder MapInferenceProtocol(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<GrpcInferenceEndpoint>();
        endpoints.MapInferenceRest();
        endpoints.MapSystemSharedMemory();
        endpoints.MapRepositoryRest();
        endpoints.MapStatisticsRest();
        return endpoints;
    }
}

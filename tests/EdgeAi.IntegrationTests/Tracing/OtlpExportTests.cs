using System.Collections.Concurrent;
using System.Net;
using EdgeAi.Common.Onnx;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;

namespace EdgeAi.IntegrationTests.Tracing;

/// <summary>With Telemetry:Tracing enabled the agent's real OTLP exporter posts its spans; disabled, no SDK object exists.</summary>
public sealed class OtlpExportTests : IAsyncLifetime
{
    private readonly Scratch _scratch = new();
    private readonly ConcurrentQueue<(string Path, string? ContentType, long Bytes)> _posts = new();
    private WebApplication? _collector;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1));
        builder.Logging.ClearProviders();
        _collector = builder.Build();
        _collector.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
            _posts.Enqueue((request.Path, request.ContentType, body.Length));
            // An empty ExportTraceServiceResponse: zero bytes of protobuf.
            return Results.Bytes([], "application/x-protobuf");
        });
        await _collector.StartAsync(Token);
    }

    private Uri CollectorUri => new(_collector!.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());

    [Fact]
    public async Task TracingEnabled_OtlpHttpExporter_PostsProtobufToTraces()
    {
        await using var agent = new TestAgent(_scratch.Sub("agent"));
        agent.Install("scale", SampleModels.Scale(2f));
        await agent.StartAsync(null, new Dictionary<string, string?>
        {
            ["Telemetry:Tracing:Enabled"] = "true",
            ["Telemetry:Tracing:OtlpEndpoint"] = CollectorUri.ToString(),
            ["Telemetry:Tracing:Protocol"] = "http/protobuf",
        });
        agent.Services.GetService<TracerProvider>().ShouldNotBeNull();

        await agent.Grpc.ModelInferAsync(Requests.Fp32("scale", [1, 2], [1, 2]), cancellationToken: Token);
        // Stopping flushes the batch exporter, so the test does not wait out its schedule.
        await agent.StopAsync();

        await Eventually.UntilAsync(() => Task.FromResult(!_posts.IsEmpty), "an OTLP post from the agent", Token);
        var (path, contentType, bytes) = _posts.First();
        path.ShouldBe("/v1/traces");
        contentType.ShouldBe("application/x-protobuf");
        bytes.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task TracingDisabled_NoSdkObjects()
    {
        await using var agent = new TestAgent(_scratch.Sub("plain"));
        await agent.StartAsync(null);

        agent.Services.GetService<TracerProvider>().ShouldBeNull();
    }

    [Fact]
    public async Task TracingEnabled_BadEndpoint_StartFailsNamingIt()
    {
        await using var agent = new TestAgent(_scratch.Sub("bad"));
        agent.ExpectErrors("Microsoft.Extensions.Hosting.Internal.Host", 11, "OtlpEndpoint 'collector:4318'");

        var error = await Should.ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => agent.StartAsync(null, new Dictionary<string, string?>
        {
            ["Telemetry:Tracing:Enabled"] = "true",
            ["Telemetry:Tracing:OtlpEndpoint"] = "collector:4318",
        }));

        error.Message.ShouldContain("OtlpEndpoint 'collector:4318' must be an absolute http:// or https:// address");
    }

    public async ValueTask DisposeAsync()
    {
        if (_collector is not null)
        {
            await _collector.DisposeAsync();
        }
        _scratch.Dispose();
    }
}

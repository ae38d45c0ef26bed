using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using EdgeAi.Common.Fleet;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeAi.IntegrationTests.SyncDown;

/// <summary>
/// A minimal real Fleet gRPC server (Kestrel on 127.0.0.1 port 0, plain HTTP/2) that serves
/// artifacts from an offset the way the hub does, records every request, checks the device's
/// bearer key, and can cut a stream once after a number of bytes. Disposing it checks its error log.
/// </summary>
internal sealed class TestFleetServer : ITestHost
{
    public const string DeviceKey = "fleet-device-key-0123456789";
    public const int ChunkSize = 16 * 1024;

    private readonly ConcurrentDictionary<(string Name, string Version), (byte[] Bytes, string Sha256)> _artifacts = new();
    private WebApplication? _app;
    private long _cutAfter = -1;
    private Func<bool> _delivered = () => true;

    public Uri Uri { get; private set; } = null!;

    public ErrorLog Errors { get; } = new("fleet server");

    public ConcurrentQueue<DownloadModelRequest> Requests { get; } = new();

    /// <summary>Serves <paramref name="bytes"/> for (name, version); chunks state <paramref name="statedSha256"/> (default: the bytes' own).</summary>
    public void Serve(string name, string version, byte[] bytes, string? statedSha256 = null) =>
        _artifacts[(name, version)] = (bytes, statedSha256 ?? Convert.ToHexStringLower(SHA256.HashData(bytes)));

    /// <summary>
    /// The next stream is aborted (stream reset, no status) once it has sent at least <paramref name="bytes"/>
    /// bytes and <paramref name="delivered"/> says the device has them (a reset discards what is still in flight).
    /// </summary>
    public void CutOnceAfter(long bytes, Func<bool> delivered)
    {
        _delivered = delivered;
        Interlocked.Exchange(ref _cutAfter, bytes);
    }

    public IReadOnlyList<DownloadModelRequest> RequestsFor(string name, string version) =>
        [.. Requests.Where(r => r.Name == name && r.Version == version)];

    public static async Task<TestFleetServer> StartAsync()
    {
        var server = new TestFleetServer();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection([ErrorLog.CollectorFilter]);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(server);
        server._app = builder.Build();
        server.Errors.InstallInto(server._app.Services);
        server._app.MapGrpcService<TestFleetService>();
        await server._app.StartAsync();
        var address = server._app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        server.Uri = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return server;
    }

    internal bool TryGet(string name, string version, out (byte[] Bytes, string Sha256) artifact) => _artifacts.TryGetValue((name, version), out artifact);

    internal async Task<bool> ShouldCutAsync(long sent, CancellationToken cancellationToken)
    {
        var after = Interlocked.Read(ref _cutAfter);
        if (after < 0 || sent < after || Interlocked.CompareExchange(ref _cutAfter, -1, after) != after)
        {
            return false;
        }
        await Eventually.UntilAsync(() => Task.FromResult(_delivered()), "the device to receive the bytes sent before the cut", cancellationToken);
        return true;
    }

    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Errors.VerifyNoErrors();
    }
}

internal sealed class TestFleetService(TestFleetServer server) : EdgeAi.Common.Fleet.Fleet.FleetBase
{
    public override async Task DownloadModel(DownloadModelRequest request, IServerStreamWriter<ModelChunk> responseStream, ServerCallContext context)
    {
        server.Requests.Enqueue(request.Clone());
        if (context.RequestHeaders.GetValue("authorization") != "Bearer " + TestFleetServer.DeviceKey)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "device key missing or wrong"));
        }
        if (!server.TryGet(request.Name, request.Version, out var artifact))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"model '{request.Name}' version {request.Version} is not in the registry"));
        }
        if (request.Offset < 0 || request.Offset > artifact.Bytes.Length)
        {
            throw new RpcException(new Status(StatusCode.OutOfRange, $"offset {request.Offset} is outside the artifact's {artifact.Bytes.Length} bytes"));
        }
        long sent = 0;
        for (var position = (int)request.Offset; position < artifact.Bytes.Length; position += TestFleetServer.ChunkSize)
        {
            if (await server.ShouldCutAsync(sent, context.CancellationToken))
            {
                context.GetHttpContext().Abort();
                return;
            }
            var length = Math.Min(TestFleetServer.ChunkSize, artifact.Bytes.Length - position);
            await responseStream.WriteAsync(new ModelChunk
            {
                Offset = position,
                Data = UnsafeByteOperations.UnsafeWrap(artifact.Bytes.AsMemory(position, length)),
                TotalSize = artifact.Bytes.Length,
                Sha256 = artifact.Sha256,
            }, context.CancellationToken);
            sent += length;
        }
    }
}

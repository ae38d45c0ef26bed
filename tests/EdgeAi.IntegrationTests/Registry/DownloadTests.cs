using System.Security.Cryptography;
using EdgeAi.Common.Fleet;
using Google.Protobuf;
using Grpc.Core;
using EdgeAi.IntegrationTests.Deployments;
using static EdgeAi.IntegrationTests.RolloutTestKit;
using static EdgeAi.Testing.Mqtt.DeviceMqtt;
using static EdgeAi.Testing.Hosts.AdminApi;

namespace EdgeAi.IntegrationTests.Registry;

/// <summary>DownloadModel: chunked, resumable from an offset, only for what a device's desired state names.</summary>
/// <remarks>4 KiB chunks at 256 KB/s: the ~256 KB artifact takes about a second, so a cut lands mid-stream.</remarks>
public sealed class DownloadTests() : SimulatedFleetTest([Wanted, Other], new Dictionary<string, string?> { ["Hub:Registry:DownloadBytesPerSecond"] = "256000" })
{
    private const string Wanted = "dev-1";
    private const string Other = "dev-2";

    private readonly byte[] _model = CloudModels.Slow(1);

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await TagAsync(Hub, Wanted, """{"site":"lab"}""", Token);
        await PushOkAsync(Admin, "slow", "1", _model, Token);
        await DeployAsync(Admin, """{"model":"slow","version":"1","selector":{"site":"lab"}}""", Token);
        await Devices[0].WaitForDesiredAsync(s => s.Models.Count == 1, "slow 1 desired", Token);
    }

    [Fact]
    public async Task Download_CutThenResumedFromOffset_BytesEqualArtifact()
    {
        var (channel, client, headers) = Fleet(Key(Wanted));
        using var _ = channel;
        var received = new MemoryStream();

        // First attempt: cut after 40 KB, as a dropped link would.
        using (var cut = CancellationTokenSource.CreateLinkedTokenSource(Token))
        {
            using var call = client.DownloadModel(new DownloadModelRequest { Name = "slow", Version = "1" }, headers, cancellationToken: cut.Token);
            var error = await Should.ThrowAsync<RpcException>(async () =>
            {
                await foreach (var chunk in call.ResponseStream.ReadAllAsync(cut.Token))
                {
                    chunk.Offset.ShouldBe(received.Length);
                    chunk.TotalSize.ShouldBe(_model.Length);
                    received.Write(chunk.Data.Span);
                    if (received.Length >= 40_000)
                    {
                        await cut.CancelAsync();
                    }
                }
            });
            error.StatusCode.ShouldBe(StatusCode.Cancelled);
        }
        received.Length.ShouldBeLessThan(_model.Length);

        // Resume from what arrived.
        var resumedFrom = received.Length;
        using (var call = client.DownloadModel(new DownloadModelRequest { Name = "slow", Version = "1", Offset = resumedFrom }, headers, cancellationToken: Token))
        {
            await foreach (var chunk in call.ResponseStream.ReadAllAsync(Token))
            {
                chunk.Offset.ShouldBe(received.Length);
                chunk.Sha256.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(_model)));
                chunk.Data.Length.ShouldBeLessThanOrEqualTo(4096);
                received.Write(chunk.Data.Span);
            }
        }

        received.ToArray().ShouldBe(_model);
        var metrics = await Admin.GetStringAsync(new Uri("/metrics", UriKind.Relative), Token);
        metrics.ShouldContain("edgeai_hub_model_downloads_started_total 2");
        metrics.ShouldContain("edgeai_hub_model_downloads_resumed_total 1");
        metrics.ShouldMatch(@"edgeai_hub_model_download_sent_bytes_total \d+");
    }

    [Fact]
    public async Task Download_OffsetAtEnd_OneEmptyChunkWithSizeAndHash()
    {
        var chunks = await ReadAllAsync(Key(Wanted), new DownloadModelRequest { Name = "slow", Version = "1", Offset = _model.Length });

        chunks.Count.ShouldBe(1);
        chunks[0].Data.Length.ShouldBe(0);
        chunks[0].TotalSize.ShouldBe(_model.Length);
    }

    [Theory]
    [InlineData("slow", "1", -1L, StatusCode.InvalidArgument, "is negative")]
    [InlineData("slow", "1", 10_000_000L, StatusCode.OutOfRange, "past the end of the artifact")]
    [InlineData("slow", "2", 0L, StatusCode.NotFound, "no model 'slow' version '2'")]
    [InlineData("no such", "1", 0L, StatusCode.InvalidArgument, "model name 'no such' is invalid")]
    public async Task Download_BadRequest_PreciseStatus(string name, string version, long offset, StatusCode code, string expected)
    {
        var error = await Should.ThrowAsync<RpcException>(() => ReadAllAsync(Key(Wanted), new DownloadModelRequest { Name = name, Version = version, Offset = offset }));

        error.StatusCode.ShouldBe(code);
        error.Status.Detail.ShouldContain(expected);
        if (code == StatusCode.OutOfRange)
        {
            error.Status.Detail.ShouldContain($"({_model.Length} bytes)");
        }
    }

    [Fact]
    public async Task Download_NotInDevicesDesiredState_PermissionDenied()
    {
        var error = await Should.ThrowAsync<RpcException>(() => ReadAllAsync(Key(Other), new DownloadModelRequest { Name = "slow", Version = "1" }));

        error.StatusCode.ShouldBe(StatusCode.PermissionDenied);
        error.Status.Detail.ShouldContain("not in device dev-2's desired state");
    }

    [Fact]
    public async Task Download_NoDeviceKey_Unauthenticated()
    {
        var error = await Should.ThrowAsync<RpcException>(() => ReadAllAsync(null, new DownloadModelRequest { Name = "slow", Version = "1" }));

        error.StatusCode.ShouldBe(StatusCode.Unauthenticated);
    }

    private (Grpc.Net.Client.GrpcChannel Channel, Common.Fleet.Fleet.FleetClient Client, Metadata Headers) Fleet(string? key)
    {
        var (channel, _, headers) = Hub.Client(key);
        return (channel, new Common.Fleet.Fleet.FleetClient(channel), headers);
    }

    private async Task<List<ModelChunk>> ReadAllAsync(string? key, DownloadModelRequest request)
    {
        var (channel, client, headers) = Fleet(key);
        using var _ = channel;
        using var call = client.DownloadModel(request, headers, cancellationToken: Token);
        var chunks = new List<ModelChunk>();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync(Token))
        {
            // Copied: the stream may reuse its buffers.
            chunks.Add(new ModelChunk { Offset = chunk.Offset, TotalSize = chunk.TotalSize, Sha256 = chunk.Sha256, Data = ByteString.CopyFrom(chunk.Data.Span) });
        }
        return chunks;
    }
}

using System.Diagnostics;
using System.Net;
using EdgeAi.Common.Inference;
using EdgeAi.Hub.Store;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static EdgeAi.IntegrationTests.Enrollment.EnrollmentTestKit;
using static EdgeAi.Testing.Hosts.AdminApi;

namespace EdgeAi.IntegrationTests.Security;

/// <summary>
/// Two hub replicas on one PostgreSQL (skipped without EDGEAI_TEST_POSTGRES): a device enrolled through
/// one is accepted by the other at once, and a revocation through one is refused by the other within
/// Hub:Credentials:RefreshInterval.
/// </summary>
public sealed class ReplicaCredentialTests : IAsyncLifetime
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(1);

    private readonly Scratch _scratch = new();
    private TestDatabase? _database;
    private TestHub? _a;
    private TestHub? _b;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        if (!TestDatabase.IsAvailable)
        {
            return;
        }
        _database = await TestDatabase.CreateAsync(Token);
        var settings = new Dictionary<string, string?>(_database.HubSettings, StringComparer.OrdinalIgnoreCase)
        {
            ["Hub:Credentials:RefreshInterval"] = Refresh.ToString(),
        };
        _a = new TestHub(_scratch.Sub("a"), settings);
        await _a.StartAsync();
        // After A made the schema, so B finds nothing to migrate.
        _b = new TestHub(_scratch.Sub("b"), settings);
        await _b.StartAsync();
    }

    [Fact]
    public async Task EnrolledOnA_AcceptedOnBAtOnce_RevokedOnA_RefusedOnBWithinRefresh()
    {
        if (_a is not { } a || _b is not { } b)
        {
            Assert.Skip(TestDatabase.Unavailable);
            return;
        }
        var (_, token) = await NewTokenAsync(a, Token);
        var device = await EnrollAsync(a, token, Token, requestedId: "cam-1");

        // B never saw the enrollment: its cache misses, the store answers.
        (await MetadataAsync(b, device.DeviceKey)).Name.ShouldBe("edgeai-hub");
        var refused = await Should.ThrowAsync<RpcException>(() => MetadataAsync(b, "not-a-key-0123456789"));
        refused.StatusCode.ShouldBe(StatusCode.Unauthenticated);

        using var admin = AdminClient(a);
        var (status, body) = await SendAsync(admin, HttpMethod.Post, "/api/devices/cam-1/revoke", null, Token);
        status.ShouldBe(HttpStatusCode.OK, body.ToString());
        var revoked = Stopwatch.StartNew();

        RpcException? error = null;
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                await MetadataAsync(b, device.DeviceKey);
                return false;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unauthenticated)
            {
                error = e;
                return true;
            }
        }, "replica B to refuse the revoked device", Token);
        revoked.Elapsed.ShouldBeLessThan(Refresh * 3, "refused within the refresh interval (plus a loaded machine's slack)");
        error!.Status.Detail.ShouldBe("device cam-1 was revoked");
        await using var db = await b.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync(Token);
        (await db.Devices.SingleAsync(d => d.Id == "cam-1", Token)).RevokedAtMs.ShouldNotBeNull();
    }

    private static async Task<ServerMetadataResponse> MetadataAsync(TestHub hub, string key)
    {
        var (channel, client, headers) = hub.Client(key);
        using (channel)
        {
            return await client.ServerMetadataAsync(new ServerMetadataRequest(), headers, cancellationToken: Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_b is not null)
        {
            await _b.DisposeAsync();
        }
        if (_a is not null)
        {
            await _a.DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
        _scratch.Dispose();
    }
}

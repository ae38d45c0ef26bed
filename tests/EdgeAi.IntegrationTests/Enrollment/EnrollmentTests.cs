using EdgeAi.Common.Fleet;
using EdgeAi.Common.Onnx;
using Grpc.Core;
using static EdgeAi.IntegrationTests.Enrollment.EnrollmentTestKit;
using static EdgeAi.Testing.Mqtt.DeviceMqtt;
using static EdgeAi.Testing.Hosts.AdminApi;

namespace EdgeAi.IntegrationTests.Enrollment;

/// <summary>Fleet.Enroll against a real hub: what a token buys, and every way it is refused.</summary>
public class EnrollmentTests : HubTest
{
    public EnrollmentTests()
        : this(StoreEngine.Sqlite)
    {
    }

    protected EnrollmentTests(StoreEngine engine)
        : base(engine: engine)
    {
    }

    public override async ValueTask InitializeAsync()
    {
        Hub.Install("classifier", SampleModels.Classifier());
        await base.InitializeAsync();
    }

    [Fact]
    public async Task Enroll_ValidToken_IssuesWorkingIdentityWithTokenTags()
    {
        var (tokenId, token) = await NewTokenAsync(Hub, Token, tags: """{"site":"lobby","kind":"camera"}""");

        var enrolled = await EnrollAsync(Hub, token, Token, requestedId: "cam-1");

        enrolled.DeviceId.ShouldBe("cam-1");
        enrolled.DeviceKey.Length.ShouldBeGreaterThanOrEqualTo(32);
        enrolled.Tags.ShouldBe(new Dictionary<string, string> { ["site"] = "lobby", ["kind"] = "camera" }, ignoreOrder: true);
        enrolled.HubCaPem.ShouldBe(await File.ReadAllTextAsync(Hub.CaPath, Token));
        using (var signingKey = ModelSignature.ImportPublicKey(enrolled.SigningPublicKeyPem))
        {
            signingKey.KeySize.ShouldBe(256);
        }
        enrolled.MqttPort.ShouldBe(Hub.MqttPort);
        enrolled.MqttTlsPort.ShouldBe(Hub.MqttTlsPort);

        // Stored: tags, a hash of the key (never the key), enrollment time; the token's use counted.
        var device = await HubStore.DeviceAsync(Hub, "cam-1", Token);
        device.ShouldNotBeNull();
        device.Tags.ShouldBe("""{"kind":"camera","site":"lobby"}""");
        device.KeyHash.ShouldBe(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(enrolled.DeviceKey))));
        device.EnrolledAtMs.ShouldNotBeNull();
        (await TokenRowAsync(Hub, tokenId, Token)).Uses.ShouldBe(1);

        // The key works at once on MQTT and on gRPC.
        using var mqtt = await ConnectDeviceAsync(Hub.MqttPort, Token, "cam-1", enrolled.DeviceKey);
        var (channel, client, headers) = Hub.Client(enrolled.DeviceKey);
        using (channel)
        {
            var response = await client.ModelInferAsync(Requests.Fp32("classifier", [1, 4], [1, 2, 3, 4]), headers, cancellationToken: Token);
            response.Parameters["edgeai.served_by"].StringParam.ShouldBe("cloud");
        }
    }

    [Fact]
    public async Task Enroll_NoRequestedId_GeneratesOneFromTheHostName()
    {
        var (_, token) = await NewTokenAsync(Hub, Token, uses: 2);

        var first = await EnrollAsync(Hub, token, Token, hostname: "Lobby Cam");
        var second = await EnrollAsync(Hub, token, Token, hostname: "Lobby Cam");

        first.DeviceId.ShouldStartWith("lobby-cam-");
        second.DeviceId.ShouldStartWith("lobby-cam-");
        second.DeviceId.ShouldNotBe(first.DeviceId);
        Common.Sync.SyncTopics.IsValidDeviceId(first.DeviceId).ShouldBeTrue();
    }

    [Fact]
    public async Task Enroll_TokenUsedUp_PermissionDeniedSayingSo()
    {
        var (tokenId, token) = await NewTokenAsync(Hub, Token, uses: 1);
        await EnrollAsync(Hub, token, Token);

        var error = await Should.ThrowAsync<RpcException>(() => EnrollAsync(Hub, token, Token));

        error.StatusCode.ShouldBe(StatusCode.PermissionDenied);
        error.Status.Detail.ShouldBe($"enrollment token {tokenId} is used up (1 of 1 uses)");
    }

    [Fact]
    public async Task Enroll_TokenExpired_PermissionDeniedSayingWhen()
    {
        var (tokenId, token) = await NewTokenAsync(Hub, Token);
        await ExpireAsync(Hub, tokenId, Token);

        var error = await Should.ThrowAsync<RpcException>(() => EnrollAsync(Hub, token, Token));

        error.StatusCode.ShouldBe(StatusCode.PermissionDenied);
        error.Status.Detail.ShouldStartWith($"enrollment token {tokenId} expired at ");
        (await TokenRowAsync(Hub, tokenId, Token)).Uses.ShouldBe(0);
    }

    [Fact]
    public async Task Enroll_TokenRevoked_PermissionDenied()
    {
        var (tokenId, token) = await NewTokenAsync(Hub, Token, uses: 5);
        using var admin = AdminClient(Hub);
        (await SendAsync(admin, HttpMethod.Delete, $"/api/tokens/{tokenId}", null, Token)).Status.ShouldBe(System.Net.HttpStatusCode.OK);

        var error = await Should.ThrowAsync<RpcException>(() => EnrollAsync(Hub, token, Token));

        error.StatusCode.ShouldBe(StatusCode.PermissionDenied);
        error.Status.Detail.ShouldStartWith($"enrollment token {tokenId} was revoked at ");
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("0123456789ab.short")]
    [InlineData("NOT-HEX-ID!!.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Enroll_MalformedToken_InvalidArgumentNamingTheForm(string token)
    {
        var error = await Should.ThrowAsync<RpcException>(() => EnrollAsync(Hub, token, Token));

        error.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        error.Status.Detail.ShouldContain("'{id}.{secret}'");
    }

    [Fact]
    public async Task Enroll_WrongSecretOrUnknownId_Unauthenticated()
    {
        var (tokenId, token) = await NewTokenAsync(Hub, Token);
        var secret = token[(token.IndexOf('.', StringComparison.Ordinal) + 1)..];
        var wrongSecret = $"{tokenId}.{(secret[0] == 'A' ? 'B' : 'A')}{secret[1..]}";
        var unknownId = $"ffffffffffff.{secret}";

        foreach (var attempt in new[] { wrongSecret, unknownId })
        {
            var error = await Should.ThrowAsync<RpcException>(() => EnrollAsync(Hub, attempt, Token));
            error.StatusCode.ShouldBe(StatusCode.Unauthenticated);
            error.Status.Detail.ShouldBe("unknown enrollment token or wrong secret");
        }
        (await TokenRowAsync(Hub, tokenId, Token)).Uses.ShouldBe(0);
    }

    [Fact]
    public async Task Enroll_RequestedIdTaken_AlreadyExistsAndUseNotSpent()
    {
        var (tokenId, token) = await NewTokenAsync(Hub, Token, uses: 3);
        await EnrollAsync(Hub, token, Token, requestedId: "cam-1");

        var enrolledTwice = await Should.ThrowAsync<RpcException>(() => EnrollAsync(Hub, token, Token, requestedId: "cam-1"));
        var configured = await Should.ThrowAsync<RpcException>(() => EnrollAsync(Hub, token, Token, requestedId: TestHub.DeviceId));
        var invalid = await Should.ThrowAsync<RpcException>(() => EnrollAsync(Hub, token, Token, requestedId: "bad/id"));

        enrolledTwice.StatusCode.ShouldBe(StatusCode.AlreadyExists);
        enrolledTwice.Status.Detail.ShouldContain("'cam-1' is taken");
        configured.StatusCode.ShouldBe(StatusCode.AlreadyExists);
        invalid.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        invalid.Status.Detail.ShouldContain("'bad/id'");
        (await TokenRowAsync(Hub, tokenId, Token)).Uses.ShouldBe(1);
    }

    [Fact]
    public async Task Enroll_ConcurrentCallsOnOneToken_NeverExceedItsUses()
    {
        const int uses = 3;
        const int callers = 12;
        var (tokenId, token) = await NewTokenAsync(Hub, Token, uses: uses);

        var attempts = await Task.WhenAll(Enumerable.Range(0, callers).Select(async i =>
        {
            try
            {
                return (Device: (await EnrollAsync(Hub, token, Token, requestedId: $"racer-{i}")).DeviceId, Error: (RpcException?)null);
            }
            catch (RpcException e)
            {
                return (Device: (string?)null, Error: e);
            }
        }));

        attempts.Count(a => a.Device is not null).ShouldBe(uses);
        attempts.Where(a => a.Error is not null).ShouldAllBe(a => a.Error!.StatusCode == StatusCode.PermissionDenied);
        (await TokenRowAsync(Hub, tokenId, Token)).Uses.ShouldBe(uses);
        var enrolled = await AuditAsync(Hub, "?action=device.enroll", Token);
        enrolled.Length.ShouldBe(uses);
        enrolled.ShouldAllBe(e => e.GetProperty("actor").GetString() == $"token:{tokenId}");
    }
}

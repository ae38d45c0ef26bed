using System.Net;
using static EdgeAi.IntegrationTests.Enrollment.EnrollmentTestKit;
using static EdgeAi.Testing.Hosts.AdminApi;

namespace EdgeAi.IntegrationTests.Enrollment;

/// <summary>The admin API for enrollment tokens and the audit log.</summary>
public class TokenApiTests : HubTest
{
    public TokenApiTests()
        : this(StoreEngine.Sqlite)
    {
    }

    protected TokenApiTests(StoreEngine engine)
        : base(engine: engine)
    {
    }

    [Theory]
    [InlineData("""{"tags":{"site":"lobby"},"uses":0,"expiresIn":"7d"}""", "'uses'")]
    [InlineData("""{"uses":-3}""", "'uses'")]
    [InlineData("""{"expiresIn":"7 days"}""", "'expiresIn'")]
    [InlineData("""{"expiresIn":"0m"}""", "'expiresIn'")]
    [InlineData("""{"expiresIn":"400d"}""", "'expiresIn'")]
    [InlineData("""{"tags":{"bad key":"x"}}""", "'bad key'")]
    [InlineData("""{"tags":{"site":"has,comma"}}""", "'has,comma'")]
    [InlineData("""{"tags":{"site":""}}""", "tag 'site'")]
    [InlineData("""{"tags":{"site":3}}""", "tags.site")]
    [InlineData("""{"uses":"ten"}""", "uses")]
    [InlineData("not json", "the body must be JSON")]
    public async Task CreateToken_InvalidField_BadRequestNamingIt(string json, string named)
    {
        var (status, body) = await PostTokenAsync(Hub, json, Token);

        status.ShouldBe(HttpStatusCode.BadRequest);
        body.GetProperty("detail").GetString()!.ShouldContain(named);
    }

    [Fact]
    public async Task CreateToken_Defaults_OneUseForADay()
    {
        var (status, body) = await PostTokenAsync(Hub, "{}", Token);

        status.ShouldBe(HttpStatusCode.Created);
        body.GetProperty("uses").GetInt32().ShouldBe(1);
        (body.GetProperty("expiresAt").GetDateTimeOffset() - DateTimeOffset.UtcNow).ShouldBeInRange(TimeSpan.FromHours(23.9), TimeSpan.FromHours(24));
        body.GetProperty("token").GetString()!.ShouldStartWith(body.GetProperty("id").GetString() + ".");
    }

    [Fact]
    public async Task ListTokens_ShowsStateButNeverSecrets()
    {
        var (activeId, activeToken) = await NewTokenAsync(Hub, Token, uses: 2, tags: """{"site":"lobby"}""");
        var (expiredId, _) = await NewTokenAsync(Hub, Token);
        await ExpireAsync(Hub, expiredId, Token);
        var (revokedId, _) = await NewTokenAsync(Hub, Token);
        using var admin = AdminClient(Hub);
        await SendAsync(admin, HttpMethod.Delete, $"/api/tokens/{revokedId}", null, Token);
        await EnrollAsync(Hub, activeToken, Token);

        var (status, list) = await SendAsync(admin, HttpMethod.Get, "/api/tokens", null, Token);

        status.ShouldBe(HttpStatusCode.OK);
        list.ToString().ShouldNotContain(activeToken[(activeToken.IndexOf('.', StringComparison.Ordinal) + 1)..]);
        list.ToString().ShouldNotContain("secret", Case.Insensitive);
        var tokens = list.EnumerateArray().ToDictionary(t => t.GetProperty("id").GetString()!);
        tokens[activeId].GetProperty("used").GetInt32().ShouldBe(1);
        tokens[activeId].GetProperty("usesLeft").GetInt32().ShouldBe(1);
        tokens[activeId].GetProperty("tags").GetProperty("site").GetString().ShouldBe("lobby");
        tokens[activeId].GetProperty("expired").GetBoolean().ShouldBeFalse();
        tokens[expiredId].GetProperty("expired").GetBoolean().ShouldBeTrue();
        tokens[revokedId].GetProperty("revoked").GetBoolean().ShouldBeTrue();
        tokens[activeId].GetProperty("createdBy").GetString().ShouldStartWith("admin");
    }

    [Fact]
    public async Task RevokeToken_UnknownOrTwice_NotFoundOrConflict()
    {
        var (id, _) = await NewTokenAsync(Hub, Token);
        using var admin = AdminClient(Hub);

        (await SendAsync(admin, HttpMethod.Delete, "/api/tokens/0123456789ab", null, Token)).Status.ShouldBe(HttpStatusCode.NotFound);
        (await SendAsync(admin, HttpMethod.Delete, $"/api/tokens/{id}", null, Token)).Status.ShouldBe(HttpStatusCode.OK);
        (await SendAsync(admin, HttpMethod.Delete, $"/api/tokens/{id}", null, Token)).Status.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Audit_CreateEnrollRevoke_RecordedNewestFirstAndFiltered()
    {
        using var admin = AdminClient(Hub);
        admin.DefaultRequestHeaders.Add(EdgeAi.Hub.Admin.AuditLog.ActorHeader, "alice");
        var (_, created) = await SendAsync(admin, HttpMethod.Post, "/api/tokens", """{"uses":1}""", Token);
        var tokenId = created.GetProperty("id").GetString()!;
        var device = await EnrollAsync(Hub, created.GetProperty("token").GetString()!, Token, requestedId: "cam-9");
        await SendAsync(admin, HttpMethod.Delete, $"/api/tokens/{tokenId}", null, Token);
        await SendAsync(admin, HttpMethod.Post, $"/api/devices/{device.DeviceId}/revoke", null, Token);

        var all = await AuditAsync(Hub, "", Token);
        var tokens = await AuditAsync(Hub, "?action=token.", Token);
        var last = await AuditAsync(Hub, "?limit=1", Token);

        all.Select(e => (e.GetProperty("action").GetString(), e.GetProperty("actor").GetString(), e.GetProperty("target").GetString())).ShouldBe(
        [
            ("device.revoke", "admin:alice", "cam-9"),
            ("token.revoke", "admin:alice", tokenId),
            ("device.enroll", $"token:{tokenId}", "cam-9"),
            ("token.create", "admin:alice", tokenId),
        ]);
        tokens.Select(e => e.GetProperty("action").GetString()).ShouldBe(["token.revoke", "token.create"]);
        last.Single().GetProperty("action").GetString().ShouldBe("device.revoke");
        (await SendAsync(admin, HttpMethod.Get, "/api/audit?limit=0", null, Token)).Status.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task HubInfo_ReportsFingerprintAndMqttPorts()
    {
        using var admin = AdminClient(Hub);

        var info = await GetJsonAsync(admin, "/api/hub", Token);

        info.GetProperty("fingerprint").GetString().ShouldBe(Hub.Fingerprint);
        info.GetProperty("mqttPort").GetInt32().ShouldBe(Hub.MqttPort);
        info.GetProperty("mqttTlsPort").GetInt32().ShouldBe(Hub.MqttTlsPort);
    }
}

using System.Net;
using EdgeAi.Common.Sync;
using MQTTnet;
using static EdgeAi.Testing.Mqtt.DeviceMqtt;
using static EdgeAi.Testing.Hosts.AdminApi;

namespace EdgeAi.IntegrationTests.Admin;

/// <summary>The admin REST API over synced data: admin key, problems, telemetry windows.</summary>
public class AdminApiTests : HubTest
{
    public AdminApiTests()
        : this(StoreEngine.Sqlite)
    {
    }

    protected AdminApiTests(StoreEngine engine)
        : base(engine: engine)
    {
    }

    private const long Start = 1_700_000_000_000;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        using var device = await ConnectDeviceAsync(Hub.MqttPort, Token);
        // Ten telemetry records, created one second apart from Start.
        (await device.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Telemetry), TelemetryBatch(1, 10, Start)), Token)).IsSuccess.ShouldBeTrue();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-admin-key-0123456789")]
    [InlineData(TestHub.DeviceKey)]
    public async Task Devices_MissingOrWrongAdminKey_Unauthorized(string? key)
    {
        using var admin = AdminClient(Hub, key);

        using var response = await admin.GetAsync(new Uri("/api/devices", UriKind.Relative), Token);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task Devices_NoAdminKeyConfiguredAndWrongKey_UnauthorizedSayingWhereTheKeyIs()
    {
        // With no Hub:AdminKey the hub generates admin.key (see AdminKeyTests): the API is never open.
        await using var hub = new TestHub(Scratch.Sub("generated"), new Dictionary<string, string?> { ["Hub:AdminKey"] = null });
        await hub.StartAsync();
        using var admin = AdminClient(hub);

        using var response = await admin.GetAsync(new Uri("/api/devices", UriKind.Relative), Token);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await response.Content.ReadAsStringAsync(Token)).ShouldContain("admin.key");
    }

    [Fact]
    public async Task Device_Unknown_NotFoundProblem()
    {
        using var admin = AdminClient(Hub);

        using var response = await admin.GetAsync(new Uri("/api/devices/nobody", UriKind.Relative), Token);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Theory]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=noon", "to")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=10001", "limit")]
    public async Task Telemetry_BadParameter_BadRequestNamingIt(string query, string parameter)
    {
        using var admin = AdminClient(Hub);

        using var response = await admin.GetAsync(new Uri($"/api/devices/{TestHub.DeviceId}/telemetry?{query}", UriKind.Relative), Token);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        using var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token));
        problem.RootElement.GetProperty("detail").GetString()!.ShouldContain($"'{parameter}'");
    }

    [Fact]
    public async Task Telemetry_WindowByIsoAndUnixMs_ReturnsRecordsInside()
    {
        using var admin = AdminClient(Hub);
        var from = DateTimeOffset.FromUnixTimeMilliseconds(Start + 2000).ToString("O", System.Globalization.CultureInfo.InvariantCulture);

        var page = await GetJsonAsync(admin, $"/api/devices/{TestHub.DeviceId}/telemetry?from={Uri.EscapeDataString(from)}&to={Start + 5000}", Token);

        // Created at +2s, +3s, +4s: from is inclusive, to exclusive.
        page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()).ShouldBe([3L, 4L, 5L]);
        var first = page.GetProperty("items")[0];
        first.GetProperty("telemetry").GetProperty("health").GetProperty("cpuPercent").GetDouble().ShouldBe(12.5);
        DateTimeOffset.Parse(first.GetProperty("createdAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            .ToUnixTimeMilliseconds().ShouldBe(Start + 2000);
    }

    [Fact]
    public async Task Telemetry_Limit_CapsItems()
    {
        using var admin = AdminClient(Hub);

        var page = await GetJsonAsync(admin, $"/api/devices/{TestHub.DeviceId}/telemetry?limit=4", Token);

        page.GetProperty("count").GetInt32().ShouldBe(4);
    }

    [Fact]
    public async Task Device_Known_ShowsStreamsAndHealth()
    {
        using var admin = AdminClient(Hub);

        var device = await GetJsonAsync(admin, $"/api/devices/{TestHub.DeviceId}", Token);
        var list = await GetJsonAsync(admin, "/api/devices", Token);

        var telemetry = device.GetProperty("streams").EnumerateArray().Single(s => s.GetProperty("stream").GetString() == SyncTopics.Telemetry);
        telemetry.GetProperty("count").GetInt64().ShouldBe(10);
        telemetry.GetProperty("highestSeq").GetInt64().ShouldBe(10);
        device.GetProperty("health").GetProperty("agentVersion").GetString().ShouldBe("1.2.3");
        list.EnumerateArray().Select(d => d.GetProperty("id").GetString()).ShouldContain(TestHub.DeviceId);
    }
}

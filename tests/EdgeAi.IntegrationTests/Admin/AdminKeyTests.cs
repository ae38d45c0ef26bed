using System.Net;
using EdgeAi.Hub.Cli;
using static EdgeAi.Testing.Hosts.AdminApi;

namespace EdgeAi.IntegrationTests.Admin;

/// <summary>The admin API always needs a key: the configured one, or one the hub generates on first start.</summary>
public sealed class AdminKeyTests : IDisposable
{
    private readonly Scratch _scratch = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task NoKeyConfigured_GeneratesOwnerOnlyKeyFileThatOpensTheApi()
    {
        await using var hub = new TestHub(_scratch.Sub("hub"), new Dictionary<string, string?> { ["Hub:AdminKey"] = null });
        await hub.StartAsync();
        var path = Path.Combine(hub.DataDirectory, AdminConnection.AdminKeyFileName);

        var key = (await File.ReadAllTextAsync(path, Token)).Trim();

        key.Length.ShouldBeGreaterThanOrEqualTo(32);
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(path).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        using (var withKey = AdminClient(hub, key))
        {
            (await withKey.GetAsync(new Uri("/api/devices", UriKind.Relative), Token)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        using (var without = AdminClient(hub, key: null))
        {
            var refused = await without.GetAsync(new Uri("/api/devices", UriKind.Relative), Token);
            refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            (await refused.Content.ReadAsStringAsync(Token)).ShouldNotContain(key);
        }

        // A restart keeps the key it generated.
        await hub.StopAsync();
        await hub.StartAsync();
        (await File.ReadAllTextAsync(path, Token)).Trim().ShouldBe(key);
        using var again = AdminClient(hub, key);
        (await again.GetAsync(new Uri("/api/devices", UriKind.Relative), Token)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task KeyConfigured_WinsAndNoFileIsWritten()
    {
        await using var hub = new TestHub(_scratch.Sub("hub"));
        await hub.StartAsync();

        File.Exists(Path.Combine(hub.DataDirectory, AdminConnection.AdminKeyFileName)).ShouldBeFalse();
        using var admin = AdminClient(hub);
        (await admin.GetAsync(new Uri("/api/devices", UriKind.Relative), Token)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}

using System.Net;
using System.Net.Sockets;
using EdgeAi.Common.Security;

namespace EdgeAi.IntegrationTests.Security;

/// <summary>
/// An agent reaches the hub by a LAN name or address and checks it against the hub CA it got at
/// enrollment: Hub:PublicNames puts those names in the serving certificate, and changing them later
/// leaves the CA, so agents enrolled earlier keep trusting the hub.
/// </summary>
public sealed class PublicNamesTests() : HubTest([new("Hub:PublicNames:0", "hub.edge.test")])
{
    [Fact]
    public async Task Healthz_ByPublicName_TrustedThroughTheHubCa()
    {
        (await GetAsync("hub.edge.test")).ShouldBeNull();
    }

    [Fact]
    public async Task Healthz_ByAnotherName_RefusedForTheName()
    {
        var refusal = await GetAsync("other.edge.test");

        refusal.ShouldNotBeNull();
        refusal.ShouldContain("does not name the address used");
    }

    [Fact]
    public async Task Restart_NameAdded_NewNameServedAndTheCaUnchanged()
    {
        var ca = await File.ReadAllTextAsync(Hub.CaPath, Token);
        await Hub.StopAsync();
        Hub.Configure([new("Hub:PublicNames:1", "10.20.30.40")]);

        await Hub.StartAsync();

        (await File.ReadAllTextAsync(Hub.CaPath, Token)).ShouldBe(ca);
        (await GetAsync("10.20.30.40")).ShouldBeNull();
        (await GetAsync("hub.edge.test")).ShouldBeNull();
    }

    /// <summary>GET /healthz at https://<paramref name="host"/>:port, connected to the hub on loopback (no DNS), trusting only hub-ca.crt as an agent does; the refusal, or null when it answered ok.</summary>
    private async Task<string?> GetAsync(string host)
    {
        var validator = new HubCertificateValidator(fingerprint: null, Hub.CaPath, allowAny: false);
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(IPAddress.Loopback, Hub.Uri.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => validator.Validate(certificate, chain, errors);
        using var client = new HttpClient(handler);
        try
        {
            var answer = await client.GetStringAsync(new Uri($"https://{host}:{Hub.Uri.Port}/healthz"), Token);
            answer.ShouldBe("ok");
            return null;
        }
        catch (HttpRequestException)
        {
            return validator.LastRefusal ?? throw new InvalidOperationException("refused without a certificate refusal");
        }
    }
}

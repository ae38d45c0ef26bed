using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using EdgeAi.Common.Onnx;
using EdgeAi.IntegrationTests.Gpio;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeAi.IntegrationTests.Rules;

/// <summary>
/// A file dropped into a watched folder (as a camera drops snapshots) fires a rule whose target classifies it and
/// whose webhook delivers the result to a test HTTP server (Kestrel on port 0) — retried when the server first
/// answers 503.
/// </summary>
public sealed class FileWebhookTests : IAsyncLifetime
{
    private readonly Scratch _scratch = new();
    private readonly Channel<(int Answer, string Body)> _received = Channel.CreateUnbounded<(int, string)>();
    private WebApplication _receiver = null!;
    private TestAgent _agent = null!;
    private int _posts;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        _receiver = builder.Build();
        _receiver.MapPost("/hooks/camera", async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            // The first delivery meets a server that is not ready: the sender must retry it.
            var answer = Interlocked.Increment(ref _posts) == 1 ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status204NoContent;
            _received.Writer.TryWrite((answer, body));
            context.Response.StatusCode = answer;
        });
        await _receiver.StartAsync(Token);
        var hook = new Uri(_receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

        Directory.CreateDirectory(Drop);
        _agent = new TestAgent(_scratch.Sub("agent"));
        _agent.Install("classifier", SampleModels.Classifier());
        await _agent.StartAsync(hub: null, new Dictionary<string, string?>
        {
            ["Agent:DeviceId"] = "cam-7",
            ["Rules:snapshot:Trigger:Kind"] = "file",
            ["Rules:snapshot:Trigger:Directory"] = Drop,
            ["Rules:snapshot:Trigger:Pattern"] = "*.json",
            ["Rules:snapshot:Trigger:Settle"] = "00:00:00.050",
            ["Rules:snapshot:Input:Kind"] = "trigger-file",
            ["Rules:snapshot:Target"] = "classifier",
            ["Rules:snapshot:Actions:0:Kind"] = "webhook",
            ["Rules:snapshot:Actions:0:Url"] = new Uri(hook, "/hooks/camera").ToString(),
            ["Rules:snapshot:Actions:0:RetryDelay"] = "00:00:00.050",
            ["Rules:snapshot:Actions:0:MaxRetries"] = "3",
        });
    }

    private string Drop => Path.Combine(_scratch.Root, "drop");

    [Fact]
    public async Task FileDropped_RuleClassifiesIt_WebhookDeliveredAfterARetry()
    {
        // Written elsewhere and moved in whole, as cameras do; the rule must see the final name.
        var written = EdgeSettings.WriteFeatures(_scratch.Sub("tmp"), "shot-1.json");
        var dropped = Path.Combine(Drop, "shot-1.json");
        File.Move(written, dropped);
        File.WriteAllText(Path.Combine(Drop, "notes.txt"), "not a snapshot: the glob leaves it out");

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(Token);
        wait.CancelAfter(Eventually.DefaultTimeout);
        var first = await _received.Reader.ReadAsync(wait.Token);
        var second = await _received.Reader.ReadAsync(wait.Token);

        first.Answer.ShouldBe(503);
        second.Answer.ShouldBe(204);
        second.Body.ShouldBe(first.Body, "a retry sends the same delivery");
        using var result = JsonDocument.Parse(second.Body);
        var root = result.RootElement;
        root.GetProperty("rule").GetString().ShouldBe("snapshot");
        root.GetProperty("outcome").GetString().ShouldBe("fired");
        root.GetProperty("device").GetString().ShouldBe("cam-7");
        root.GetProperty("input").GetString().ShouldBe(dropped);
        root.GetProperty("target").GetString().ShouldBe("classifier");
        root.GetProperty("label").GetString().ShouldBe(EdgeSettings.ExpectedClass().Label);
        root.GetProperty("latencyMs").GetDouble().ShouldBeGreaterThan(0);

        using var http = EdgeSettings.Http(_agent);
        await Eventually.UntilAsync(
            async () => (await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), Token)).Contains("edgeai_rule_webhooks_total{rule=\"snapshot\",outcome=\"delivered\"} 1", StringComparison.Ordinal),
            "the delivery counted", Token);
        _received.Reader.TryRead(out _).ShouldBeFalse("one file, one fire: notes.txt does not match *.json");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _agent.DisposeAsync();
            await _receiver.DisposeAsync();
        }
        finally
        {
            _scratch.Dispose();
        }
    }
}

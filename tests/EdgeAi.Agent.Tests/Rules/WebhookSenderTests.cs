using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using EdgeAi.Agent.Rules;
using EdgeAi.Common.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Agent.Tests.Rules;

/// <summary>A webhook action's queue and retries, against an in-memory HTTP handler (no sockets) on a fake clock.</summary>
public sealed class WebhookSenderTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly PrometheusExporter _exporter;
    private readonly FakeTimeProvider _time = new();
    private readonly RuleMetrics _metrics;
    private readonly List<string> _failures = [];

    public WebhookSenderTests()
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        _exporter = PrometheusExporter.ForScope(meters);
        _metrics = new RuleMetrics(_time, meters);
    }

    public void Dispose()
    {
        _exporter.Dispose();
        _services.Dispose();
    }

    [Fact]
    public async Task TryEnqueue_QueueFull_NewDeliveryDroppedAndCountedTheQueuedOnesSent()
    {
        var handler = new Handler(_ => HttpStatusCode.OK);
        var sender = Sender(handler, queueCapacity: 2, maxRetries: 0);

        sender.TryEnqueue(Body(1)).ShouldBeTrue();
        sender.TryEnqueue(Body(2)).ShouldBeTrue();
        sender.TryEnqueue(Body(3)).ShouldBeFalse();
        sender.Complete();
        await sender.RunAsync(TestContext.Current.CancellationToken);

        handler.Bodies.ShouldBe(["{\"n\":1}", "{\"n\":2}"]);
        Metric("dropped").ShouldBe(1);
        Metric("delivered").ShouldBe(2);
        _failures.ShouldBeEmpty();
    }

    [Fact]
    public async Task RunAsync_TransientFailures_RetriedUntilDelivered()
    {
        var handler = new Handler(attempt => attempt < 3 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.Accepted);
        var sender = Sender(handler, queueCapacity: 10, maxRetries: 3);

        sender.TryEnqueue(Body(1)).ShouldBeTrue();
        sender.Complete();
        await sender.RunAsync(TestContext.Current.CancellationToken);

        handler.Attempts.ShouldBe(3);
        Metric("delivered").ShouldBe(1);
        _failures.ShouldBeEmpty();
    }

    [Fact]
    public async Task RunAsync_EveryAttemptFails_ReportedOnceAfterTheRetries()
    {
        var handler = new Handler(_ => HttpStatusCode.InternalServerError);
        var sender = Sender(handler, queueCapacity: 10, maxRetries: 2);

        sender.TryEnqueue(Body(1)).ShouldBeTrue();
        sender.Complete();
        await sender.RunAsync(TestContext.Current.CancellationToken);

        handler.Attempts.ShouldBe(3);
        _failures.ShouldHaveSingleItem().ShouldContain("answered 500");
        Metric("delivered").ShouldBe(0);
    }

    [Fact]
    public async Task RunAsync_ClientError_NotRetried()
    {
        var handler = new Handler(_ => HttpStatusCode.BadRequest);
        var sender = Sender(handler, queueCapacity: 10, maxRetries: 5);

        sender.TryEnqueue(Body(1)).ShouldBeTrue();
        sender.Complete();
        await sender.RunAsync(TestContext.Current.CancellationToken);

        handler.Attempts.ShouldBe(1);
        _failures.ShouldHaveSingleItem().ShouldContain("answered 400");
    }

    private WebhookSender Sender(Handler handler, int queueCapacity, int maxRetries) =>
        new("r", new RuleActionOptions
        {
            Kind = RuleActionKinds.Webhook,
            Url = "http://hooks.example/fired",
            QueueCapacity = queueCapacity,
            MaxRetries = maxRetries,
            RetryDelay = TimeSpan.Zero, // retries at once: the fake clock need not be moved
        }, new HttpClient(handler), _time, _metrics, _failures.Add);

    private long Metric(string outcome)
    {
        var line = _exporter.Collect().Split('\n').SingleOrDefault(l => l.StartsWith($"edgeai_rule_webhooks_total{{rule=\"r\",outcome=\"{outcome}\"}}", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static byte[] Body(int n) => Encoding.UTF8.GetBytes($"{{\"n\":{n}}}");

    private sealed class Handler(Func<int, HttpStatusCode> answer) : HttpMessageHandler
    {
        public int Attempts { get; private set; }

        public List<string> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Attempts++;
            request.Content!.Headers.ContentType!.MediaType.ShouldBe("application/json");
            Bodies.Add(await request.Content.ReadAsStringAsync(cancellationToken));
            return new HttpResponseMessage(answer(Attempts));
        }
    }
}

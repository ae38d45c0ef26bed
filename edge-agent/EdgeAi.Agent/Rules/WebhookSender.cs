using System.Net;
using System.Net.Http.Headers;
using System.Threading.Channels;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace EdgeAi.Agent.Rules;

/// <summary>
/// One webhook action's deliveries: a bounded queue the rule puts results into without ever waiting (a full queue
/// drops the new delivery and counts it), and one worker that POSTs them in order through a Polly pipeline —
/// retry with exponential backoff and jitter (connection failures, attempt timeouts, 408, 429 and 5xx) around a
/// per-attempt timeout. A delivery that fails every attempt is reported through <c>onFailure</c>. Deliveries are
/// not durable: the outbox event is the record that survives a restart.
/// </summary>
internal sealed class WebhookSender
{
    private readonly string _rule;
    private readonly Uri _url;
    private readonly HttpClient _http;
    private readonly RuleMetrics _metrics;
    private readonly Action<string> _onFailure;
    private readonly Channel<byte[]> _queue;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public WebhookSender(string rule, RuleActionOptions action, HttpClient http, TimeProvider time, RuleMetrics metrics, Action<string> onFailure)
    {
        ArgumentNullException.ThrowIfNull(action);
        _rule = rule;
        _url = new Uri(action.Url!);
        _http = http;
        _metrics = metrics;
        _onFailure = onFailure;
        _queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(action.QueueCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time };
        if (action.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(r => IsTransient(r.StatusCode)),
                MaxRetryAttempts = action.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = action.RetryDelay,
                MaxDelay = TimeSpan.FromMinutes(1),
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            });
        }
        _pipeline = builder.AddTimeout(action.AttemptTimeout).Build();
    }

    public Uri Url => _url;

    /// <summary>Queues a delivery; false (and counted as dropped) when the queue is full. Never waits.</summary>
    public bool TryEnqueue(byte[] body)
    {
        if (_queue.Writer.TryWrite(body))
        {
            return true;
        }
        _metrics.WebhookDropped(_rule);
        return false;
    }

    /// <summary>No more deliveries: the worker sends what is queued, then ends.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    /// <summary>Sends queued deliveries until <see cref="Complete"/> and the queue is empty, or <paramref name="stoppingToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        await foreach (var body in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            await DeliverAsync(body, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task DeliverAsync(byte[] body, CancellationToken stoppingToken)
    {
        string? failure;
        try
        {
            using var response = await _pipeline.ExecuteAsync(
                async token =>
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(body) };
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    return await _http.SendAsync(request, token).ConfigureAwait(false);
                },
                stoppingToken).ConfigureAwait(false);
            failure = response.IsSuccessStatusCode ? null : $"{_url} answered {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (HttpRequestException e)
        {
            failure = $"{_url} cannot be reached: {e.Message}";
        }
        catch (TimeoutRejectedException e)
        {
            failure = $"{_url} did not answer within {e.Timeout}";
        }
        if (failure is null)
        {
            _metrics.WebhookDelivered(_rule);
        }
        else
        {
            _onFailure(failure);
        }
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;
}

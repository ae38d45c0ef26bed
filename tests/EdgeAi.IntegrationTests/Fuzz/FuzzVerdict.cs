using System.Globalization;
using System.Text;
using Grpc.Core;

namespace EdgeAi.IntegrationTests.Fuzz;

/// <summary>
/// What a fuzzed surface may answer, and the tally of what it did. Allowed: any gRPC status that
/// names the caller's mistake (INVALID_ARGUMENT, NOT_FOUND, RESOURCE_EXHAUSTED, …) or the caller's own
/// deadline; INTERNAL only as an explicit parse failure; REST below 500, or 504 for the caller's
/// deadline. Never: UNKNOWN, an INTERNAL from an exception, UNAVAILABLE (every model is ready and
/// the hub is up, so it would mean the agent gave up on the hub), a 5xx, or no answer at all.
/// </summary>
internal sealed class FuzzVerdict(string surface)
{
    // grpc-dotnet's own answers to broken framing: explicit statuses, not exceptions.
    private static readonly string[] FramingErrors =
    [
        "Incomplete message.",
        "Additional data after the message received.",
        "Request did not include grpc-encoding value with compressed message.",
        "Request sent 'identity' grpc-encoding value with compressed message.",
    ];

    private readonly List<string> _violations = [];
    private readonly SortedDictionary<string, int> _tally = new(StringComparer.Ordinal);

    public int Count { get; private set; }

    public void Grpc(int iteration, string what, StatusCode code, string detail)
    {
        Count++;
        Tally(code.ToString());
        var allowed = code switch
        {
            StatusCode.OK or StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.ResourceExhausted or StatusCode.DeadlineExceeded
                or StatusCode.Unauthenticated or StatusCode.PermissionDenied or StatusCode.OutOfRange or StatusCode.AlreadyExists
                or StatusCode.Unimplemented or StatusCode.FailedPrecondition => true,
            StatusCode.Internal => detail.StartsWith("cannot parse the request", StringComparison.Ordinal) || FramingErrors.Contains(detail),
            _ => false,
        };
        if (!allowed)
        {
            Violation(iteration, what, $"{code}: {detail}");
        }
    }

    public void Grpc(int iteration, string what, GrpcAnswer answer)
    {
        if (answer.HttpStatus != 200 || answer.Status is not { } status)
        {
            Count++;
            Tally($"HTTP {answer.HttpStatus}");
            Violation(iteration, what, answer.ToString());
            return;
        }
        Grpc(iteration, what, (StatusCode)status, answer.Message);
    }

    public void Rest(int iteration, string what, int? status, string body)
    {
        Count++;
        Tally(status?.ToString(CultureInfo.InvariantCulture) ?? "no answer");
        var allowed = status is < 500 || (status == 504 && body.Contains("deadline", StringComparison.OrdinalIgnoreCase));
        if (!allowed)
        {
            Violation(iteration, what, $"{status?.ToString(CultureInfo.InvariantCulture) ?? "no answer"}: {Shorten(body)}");
        }
    }

    /// <summary>An answer on a surface with its own vocabulary (MQTT reason codes), judged by the caller.</summary>
    public void Other(int iteration, string what, string answer, bool allowed)
    {
        Count++;
        Tally(answer);
        if (!allowed)
        {
            Violation(iteration, what, answer);
        }
    }

    public void Failure(int iteration, string what, Exception e)
    {
        Count++;
        Tally(e.GetType().Name);
        Violation(iteration, what, $"{e.GetType().Name}: {e.Message}");
    }

    /// <summary>Fails the test with every violation (the first few in full) and the seed to repeat them.</summary>
    public void ShouldHaveNone()
    {
        var summary = $"{surface}: {Count} requests, answers {string.Join(", ", _tally.Select(kv => $"{kv.Key} ×{kv.Value}"))}";
        TestContext.Current.TestOutputHelper?.WriteLine(summary);
        if (_violations.Count == 0)
        {
            return;
        }
        foreach (var violation in _violations)
        {
            TestContext.Current.TestOutputHelper?.WriteLine(violation);
        }
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{_violations.Count} forbidden answers ({FuzzSeed.Describe} repeats them; all are in the test output); {summary}");
        foreach (var violation in _violations.Take(25))
        {
            text.AppendLine(violation);
        }
        _violations.ShouldBeEmpty(text.ToString());
    }

    private void Violation(int iteration, string what, string answer) =>
        _violations.Add($"  #{iteration} {Shorten(what)} → {Shorten(answer)}");

    private void Tally(string key) => _tally[key] = _tally.GetValueOrDefault(key) + 1;

    private static string Shorten(string text) => text.Length > 300 ? text[..300] + "…" : text;
}

using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace EdgeAi.Testing.Logging;

/// <summary>
/// The error-log scope of one host, after grpc-dotnet's VerifyNoErrorsScope: every entry at Error or
/// above the host logs (in process through a <see cref="FakeLogCollector"/>, or read from a child
/// process's console) and the errors its test declared with <see cref="Expect"/>. The hosts call
/// <see cref="VerifyNoErrors"/> when they are disposed, so a test fails on an error log it did not expect.
/// </summary>
internal sealed class ErrorLog
{
    /// <summary>
    /// The collector's own filter rule. A rule naming a provider beats every rule that names none, so Error
    /// entries reach the collector whatever Logging:LogLevel settings a host gets (Default=Warning, or a
    /// category turned down to None).
    /// </summary>
    public static KeyValuePair<string, string?> CollectorFilter { get; } = new("Logging:Fake:LogLevel:Default", "Error");

    /// <summary>
    /// Errors no test provokes and no host can prevent: grpc-dotnet logs a call whose client went away while
    /// it was being read (a device powered off mid-download, an agent stopped at a test's end) at Error.
    /// For a server that is the client's doing, so every host accepts it; it hid as a rare CI failure.
    /// </summary>
    private static readonly ExpectedError[] Always =
    [
        new("Grpc.AspNetCore.Server.ServerCallHandler", 6, "The client reset the request stream"),
    ];

    private readonly Lock _gate = new();
    private readonly FakeLogCollector _collector = new(Options.Create(new FakeLogCollectorOptions
    {
        FilteredLevels = { LogLevel.Error, LogLevel.Critical },
    }));
    private readonly List<LoggedError> _entries = [];
    private readonly List<ExpectedError> _expected = [.. Always];
    private int _verified;

    /// <param name="host">What logged (for failure messages): "hub", "agent", "edge-agent process 1234".</param>
    public ErrorLog(string host) => Host = host;

    public string Host { get; set; }

    /// <summary>Every error entry so far, expected or not.</summary>
    public IReadOnlyList<LoggedError> Entries
    {
        get
        {
            lock (_gate)
            {
                Drain();
                return [.. _entries];
            }
        }
    }

    /// <summary>Adds the collector to a built host's logger factory (before it starts: nothing has logged yet).</summary>
    public void InstallInto(IServiceProvider services) =>
        services.GetRequiredService<ILoggerFactory>().AddProvider(new FakeLoggerProvider(_collector));

    /// <summary>An entry read from a child process's output.</summary>
    public void Add(LoggedError entry)
    {
        lock (_gate)
        {
            Drain();
            _entries.Add(entry);
        }
    }

    /// <summary>Declares an error the test provokes; it may occur any number of times, or not at all.</summary>
    public void Expect(ExpectedError error)
    {
        lock (_gate)
        {
            _expected.Add(error);
        }
    }

    /// <summary>
    /// Throws <see cref="UnexpectedErrorLogException"/> naming every undeclared error logged since the last
    /// check (each is reported once, so a host shared by several tests fails the test that was running).
    /// </summary>
    public void VerifyNoErrors()
    {
        List<LoggedError> unexpected;
        lock (_gate)
        {
            Drain();
            unexpected = [.. _entries.Skip(_verified).Where(e => !_expected.Any(x => x.Matches(e)))];
            _verified = _entries.Count;
        }
        if (unexpected.Count == 0)
        {
            return;
        }
        var message = new StringBuilder($"the {Host} logged {unexpected.Count} error(s) the test did not expect");
        message.Append(" (a test that provokes one declares it with ExpectErrors(category, event id or message fragment)):");
        foreach (var entry in unexpected.Take(20))
        {
            message.Append("\n  ").Append(entry.ToString().Replace("\n", "\n  ", StringComparison.Ordinal));
        }
        if (unexpected.Count > 20)
        {
            message.Append("\n  … and ").Append(unexpected.Count - 20).Append(" more");
        }
        throw new UnexpectedErrorLogException(message.ToString());
    }

    /// <summary>Checks several hosts' logs at once, so one host's errors do not hide another's.</summary>
    public static void VerifyNoErrors(IEnumerable<ErrorLog> logs)
    {
        var failures = new List<string>();
        foreach (var log in logs)
        {
            try
            {
                log.VerifyNoErrors();
            }
            catch (UnexpectedErrorLogException e)
            {
                failures.Add(e.Message);
            }
        }
        if (failures.Count > 0)
        {
            throw new UnexpectedErrorLogException(string.Join("\n", failures));
        }
    }

    private void Drain()
    {
        foreach (var record in _collector.GetSnapshot(clear: true))
        {
            _entries.Add(new LoggedError(record.Level, record.Category ?? "", record.Id.Id, record.Message, record.Exception?.ToString()));
        }
    }
}

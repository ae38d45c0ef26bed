namespace EdgeAi.Testing.Logging;

/// <summary>A host the kit starts (in process or as a child process): it can be stopped, and its error log is checked when it is disposed.</summary>
internal interface ITestHost : IAsyncDisposable
{
    ErrorLog Errors { get; }

    /// <summary>Stops the host (idempotent) without checking its error log.</summary>
    Task StopAsync();
}

/// <summary>How a test declares the errors it provokes on a host, and how owners of several hosts dispose them.</summary>
internal static class TestHostExtensions
{
    /// <summary>Errors of <paramref name="category"/> (a logger category: the logging class's full name) with this event id.</summary>
    public static void ExpectErrors(this ITestHost host, string category, int eventId) =>
        host.Errors.Expect(new ExpectedError(category, eventId, null));

    /// <summary>Errors of <paramref name="category"/> with this event id whose message contains <paramref name="messageContains"/> (one case of a general event).</summary>
    public static void ExpectErrors(this ITestHost host, string category, int eventId, string messageContains) =>
        host.Errors.Expect(new ExpectedError(category, eventId, messageContains));

    /// <summary>Errors of <paramref name="category"/> whose message contains <paramref name="messageContains"/> (for loggers without event ids).</summary>
    public static void ExpectErrors(this ITestHost host, string category, string messageContains) =>
        host.Errors.Expect(new ExpectedError(category, null, messageContains));

    /// <summary>Errors logged through <c>ILogger&lt;<paramref name="category"/>&gt;</c> with this event id.</summary>
    public static void ExpectErrors(this ITestHost host, Type category, int eventId) =>
        host.ExpectErrors(CategoryOf(category), eventId);

    /// <summary>Errors logged through <c>ILogger&lt;<paramref name="category"/>&gt;</c> with this event id whose message contains <paramref name="messageContains"/>.</summary>
    public static void ExpectErrors(this ITestHost host, Type category, int eventId, string messageContains) =>
        host.ExpectErrors(CategoryOf(category), eventId, messageContains);

    /// <summary>The category <c>ILogger&lt;T&gt;</c> logs under: the type's full name, nested types joined with a dot.</summary>
    public static string CategoryOf(Type type) => (type.FullName ?? type.Name).Replace('+', '.');

    /// <summary>
    /// Stops every host in order, even when one fails to stop, then checks all their error logs together, so one
    /// host's unexpected errors neither hide another's nor leave it running.
    /// </summary>
    public static async Task DisposeAllAsync(this IEnumerable<ITestHost> hosts)
    {
        var logs = new List<ErrorLog>();
        var stopFailures = new List<Exception>();
        foreach (var host in hosts)
        {
            logs.Add(host.Errors);
            try
            {
                await host.StopAsync();
            }
            catch (Exception e)
            {
                stopFailures.Add(e);
            }
        }
        ErrorLog.VerifyNoErrors(logs);
        if (stopFailures.Count > 0)
        {
            throw new AggregateException("hosts failed to stop", stopFailures);
        }
    }
}

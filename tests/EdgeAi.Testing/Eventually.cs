namespace EdgeAi.Testing;

/// <summary>
/// The one way tests (and the benchmark) wait for something that happens in the background: poll a
/// condition until it holds, or give up with a <see cref="TimeoutException"/> that says what was awaited.
/// Never a fixed delay: a fast machine goes on at once, a slow one gets the whole timeout.
/// </summary>
internal static class Eventually
{
    /// <summary>
    /// How long a wait lasts unless it says otherwise. Generous, because it only costs time when a test fails:
    /// CI runs every test assembly at once on two cores, and 20 s once ran out there under a load average of ~20.
    /// </summary>
    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Polls until <paramref name="condition"/> holds (every <paramref name="every"/>, 50 ms by default).</summary>
    public static Task UntilAsync(Func<Task<bool>> condition, string what, CancellationToken cancellationToken, TimeSpan? within = null, TimeSpan? every = null) =>
        UntilAsync(condition, () => what, cancellationToken, within, every);

    /// <summary>As above; <paramref name="what"/> is evaluated on failure (e.g. to include a broker's log as it is then).</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, Func<string> what, CancellationToken cancellationToken, TimeSpan? within = null, TimeSpan? every = null)
    {
        var limit = within ?? DefaultTimeout;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        while (!await condition())
        {
            try
            {
                await Task.Delay(every ?? DefaultInterval, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"gave up after {limit} waiting for: {what()}");
            }
        }
    }

    /// <summary>
    /// Tries <paramref name="attempt"/> until it returns instead of throwing an exception <paramref name="retryOn"/>
    /// accepts; after <paramref name="within"/> the last such exception is the inner one of the <see cref="TimeoutException"/>.
    /// </summary>
    public static async Task<T> SucceedsAsync<T>(
        Func<Task<T>> attempt, Func<Exception, bool> retryOn, string what, CancellationToken cancellationToken, TimeSpan? within = null, TimeSpan? every = null)
    {
        var limit = within ?? DefaultTimeout;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        while (true)
        {
            Exception failure;
            try
            {
                return await attempt();
            }
            catch (Exception e) when (retryOn(e))
            {
                failure = e;
            }
            try
            {
                await Task.Delay(every ?? DefaultInterval, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"gave up after {limit} waiting for: {what}; last failure: {failure.Message}", failure);
            }
        }
    }
}

using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Store;

/// <summary>
/// Readies the store at start: applies pending migrations (<see cref="StoreMigrator"/>), or, with
/// Hub:Store:MigrateOnStart false, refuses to start while any are pending, as an invalid configuration
/// the command line reports in one line. Everything that needs the tables awaits
/// <see cref="EnsureCreatedAsync"/>: the first caller runs the step, the others wait for that same run,
/// so no service depends on being registered after this one.
/// </summary>
internal sealed class StoreInitializer : IHostedService
{
    private readonly StoreMigrator _migrator;
    private readonly StoreOptions _store;
    // Not cancelled by the first caller's token: the run is shared.
    private readonly Lazy<Task> _ready;

    public StoreInitializer(StoreMigrator migrator, IOptions<StoreOptions> store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _migrator = migrator;
        _store = store.Value;
        _ready = new Lazy<Task>(ReadyAsync);
    }

    /// <summary>Completes once the schema is current; faults (for every caller) when it could not be made so or must not be.</summary>
    public Task EnsureCreatedAsync(CancellationToken cancellationToken) => _ready.Value.WaitAsync(cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => EnsureCreatedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task ReadyAsync()
    {
        if (_store.MigrateOnStart)
        {
            await _migrator.MigrateAsync(CancellationToken.None).ConfigureAwait(false);
            return;
        }
        var status = await _migrator.StatusAsync(CancellationToken.None).ConfigureAwait(false);
        if (status.Pending.Count > 0)
        {
            throw new OptionsValidationException(StoreOptions.Section, typeof(StoreOptions), [StoreMigrator.PendingRefusal(status)]);
        }
    }
}

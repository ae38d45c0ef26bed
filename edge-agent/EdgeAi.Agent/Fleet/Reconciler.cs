using EdgeAi.Agent.Telemetry;
using EdgeAi.Agent.Twin;
using EdgeAi.Agent.Uplink;
using EdgeAi.Agent.Outbox;
using EdgeAi.Common.Sync;
using EdgeAi.Serving.Hosting;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Fleet;

/// <summary>
/// Makes the device what the hub's desired state says, at start (from the persisted state, so an
/// offline boot follows the last one seen) and on every newer state: applies the configuration
/// live, asks <see cref="FleetPlanner"/> for the steps, runs each model's steps in order and
/// reports every transition to the outbox. A newer state interrupts a pass (a download resumes
/// later from its offset); a pass that could not finish (hub unreachable) is retried with backoff.
/// A version that fails for good is not retried until the desired state changes.
/// </summary>
internal sealed class Reconciler : BackgroundService
{
    private readonly DesiredStateStore _desired;
    private readonly ModelLoader _loader;
    private readonly ModelHost _host;
    private readonly ModelDownloader _downloader;
    private readonly ArtifactVerifier _verifier;
    private readonly SmokeTest _smoke;
    private readonly DeploymentReporter _reporter;
    private readonly LiveConfig _config;
    private readonly TelemetryCollector _telemetry;
    private readonly FleetOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<Reconciler> _logger;
    private readonly LoopSupervisor _supervisor;
    private readonly Dictionary<(string Name, string Version, string Sha256), long> _failed = [];

    public Reconciler(
        DesiredStateStore desired, ModelLoader loader, ModelHost host, ModelDownloader downloader, ArtifactVerifier verifier, SmokeTest smoke,
        DeploymentReporter reporter, LiveConfig config, TelemetryCollector telemetry, IOptions<FleetOptions> options, TimeProvider time, ILogger<Reconciler> logger,
        LoopSupervisor supervisor)
    {
        ArgumentNullException.ThrowIfNull(options);
        _desired = desired;
        _loader = loader;
        _host = host;
        _downloader = downloader;
        _verifier = verifier;
        _smoke = smoke;
        _reporter = reporter;
        _config = config;
        _telemetry = telemetry;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _supervisor = supervisor;
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // The persisted desired configuration is in effect before the first request, hub or no hub.
        if (_desired.Current is { } state)
        {
            _config.Apply(state);
        }
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _supervisor.RunAsync("reconciler", RunAsync, stoppingToken);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _loader.InitialLoad.WaitAsync(stoppingToken).ConfigureAwait(false);
            var rounds = 0;
            while (!stoppingToken.IsCancellationRequested)
            {
                var changed = _desired.Changed;
                var retry = false;
                if (_desired.Current is { } state)
                {
                    retry = await PassAsync(state, changed, stoppingToken).ConfigureAwait(false);
                }
                if (changed.IsCompleted)
                {
                    rounds = 0;
                    continue;
                }
                if (!retry)
                {
                    rounds = 0;
                    await changed.WaitAsync(stoppingToken).ConfigureAwait(false);
                    continue;
                }
                var delay = Backoff.Delay(_options.RetryDelay, _options.MaxRetryDelay, ++rounds);
                FleetLog.RetryScheduled(_logger, _desired.Current?.Revision ?? 0, delay);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                await Task.WhenAny(changed, Task.Delay(delay, _time, wait.Token)).ConfigureAwait(false);
                await wait.CancelAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One pass over <paramref name="state"/>; true when something must be retried later.</summary>
    private async Task<bool> PassAsync(DesiredState state, Task changed, CancellationToken stoppingToken)
    {
        using var pass = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var work = RunPassAsync(state, pass.Token);
        if (await Task.WhenAny(work, changed).ConfigureAwait(false) != work)
        {
            // A newer state: stop here; the next pass starts from what the device has by then.
            await pass.CancelAsync().ConfigureAwait(false);
        }
        try
        {
            return await work.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (pass.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Never let one bad pass stop the agent: report it and come back later.
            FleetLog.PassCrashed(_logger, e, state.Revision);
            return true;
        }
    }

    private async Task<bool> RunPassAsync(DesiredState state, CancellationToken cancellationToken)
    {
        _config.Apply(state);
        var plan = FleetPlanner.Plan(state, View(state), m => _failed.TryGetValue(Key(m), out var revision) && revision == state.Revision);
        if (plan.Any(s => s.Kind != StepKind.ReportActive))
        {
            FleetLog.Planned(_logger, state.Revision, plan.Count);
        }
        var retry = false;
        foreach (var steps in plan.GroupBy(s => s.Model, StringComparer.Ordinal))
        {
            retry |= await RunModelAsync(state.Revision, [.. steps], cancellationToken).ConfigureAwait(false);
            _telemetry.ReportState();
        }
        CleanDownloads(state);
        _desired.AppliedRevision = state.Revision;
        _telemetry.ReportState();
        return retry;
    }

    /// <summary>Runs one model's steps in order; on a failure reports it and undoes the unfinished swap. True when it should be retried later.</summary>
    private async Task<bool> RunModelAsync(long revision, IReadOnlyList<PlanStep> steps, CancellationToken cancellationToken)
    {
        var (model, version) = (steps[0].Model, steps[0].Version);
        var run = new ModelRun();
        try
        {
            foreach (var step in steps)
            {
                await RunStepAsync(revision, step, run, cancellationToken).ConfigureAwait(false);
            }
            return false;
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            Abandon(model, version, run, removeFiles: false);
            throw new OperationCanceledException(cancellationToken);
        }
        catch (OutboxUnavailableException)
        {
            // A progress report could not be stored: undo the unfinished swap and run the model's steps again later.
            Abandon(model, version, run, removeFiles: false);
            return true;
        }
        catch (Exception e) when (e is DeploymentException or ModelStoreException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            var retryLater = e is DeploymentException { RetryLater: true };
            Abandon(model, version, run, removeFiles: run.Installed);
            if (retryLater)
            {
                _reporter.Report(revision, model, version, DeploymentStates.Downloading, e.Message);
                return true;
            }
            if (steps.Any(s => s.Kind == StepKind.Download))
            {
                TryDelete(_downloader.PartPath(model, version)); // refused bytes never stay on the device
            }
            if (steps[0].Desired is { } desired)
            {
                _failed[Key(desired)] = revision;
            }
            _reporter.Failed(revision, model, version, e.Message);
            return false;
        }
    }

    private async Task RunStepAsync(long revision, PlanStep step, ModelRun run, CancellationToken cancellationToken)
    {
        var (model, version) = (step.Model, step.Version);
        switch (step.Kind)
        {
            case StepKind.Refuse:
                throw new DeploymentException(step.Reason ?? "the desired entry is not valid");
            case StepKind.Download:
                _reporter.Report(revision, model, version, DeploymentStates.Downloading);
                run.Download = await _downloader.DownloadAsync(step.Desired!, cancellationToken).ConfigureAwait(false);
                break;
            case StepKind.Verify:
                _reporter.Report(revision, model, version, DeploymentStates.Verifying);
                await _verifier.VerifyAsync(step.Desired!, run.Download!, cancellationToken).ConfigureAwait(false);
                break;
            case StepKind.Install:
                _loader.Install(run.Download!.Path, model, version);
                run.Installed = true;
                TryDelete(run.Download.Path);
                break;
            case StepKind.Load:
                _reporter.Report(revision, model, version, DeploymentStates.Loading);
                run.Instance = Load(model, version, run);
                break;
            case StepKind.Smoke:
                await _smoke.RunAsync(run.Instance!, cancellationToken).ConfigureAwait(false);
                break;
            case StepKind.Activate:
                Activate(revision, model, version, run);
                break;
            case StepKind.Prune:
                var removed = _loader.Prune(model, [.. new[] { version, run.Previous }.OfType<string>()]);
                if (removed.Count > 0)
                {
                    FleetLog.Pruned(_logger, model, string.Join(", ", removed));
                }
                break;
            case StepKind.Deactivate:
                _loader.Deactivate(model);
                FleetLog.Deactivated(_logger, model, version);
                break;
            case StepKind.ReportActive:
                _reporter.Report(revision, model, version, DeploymentStates.Active);
                break;
        }
    }

    private ModelInstance Load(string model, string version, ModelRun run)
    {
        ModelInstance instance;
        try
        {
            instance = _loader.LoadBeside(model, version);
        }
        catch (ModelStoreException e) when (!run.Installed)
        {
            // The kept copy is damaged: remove it, and the next round downloads the version again.
            _loader.Discard(model, version, removeFiles: true);
            throw new DeploymentException($"{e.Message}; removed, downloading it again", e, retryLater: true);
        }
        return instance.State == ModelState.Ready
            ? instance
            : throw new DeploymentException($"the model does not load: {instance.FailureReason}");
    }

    private void Activate(long revision, string model, string version, ModelRun run)
    {
        run.Previous = _loader.Activate(model, version);
        run.Activated = true;
        var previous = run.Previous;
        if (previous is not null && !run.Installed && ModelVersions.Comparer.Compare(version, previous) < 0)
        {
            _reporter.Report(revision, model, previous, DeploymentStates.RolledBack, $"replaced by the previous version {version}, kept on the device");
        }
        _reporter.Report(revision, model, version, DeploymentStates.Active, previous is null ? "" : $"replaced version {previous}");
    }

    /// <summary>Unloads a candidate that was loaded but not activated; the active version is never touched.</summary>
    private void Abandon(string model, string version, ModelRun run, bool removeFiles)
    {
        if (run.Activated || (run.Instance is null && !removeFiles))
        {
            return;
        }
        _loader.Discard(model, version, removeFiles);
    }

    /// <summary>What the device has of every model it knows or is asked for.</summary>
    private Dictionary<string, ModelView> View(DesiredState state)
    {
        var installed = _loader.Store.List()
            .Where(m => m.Manifest is not null)
            .GroupBy(m => m.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyCollection<string>)[.. g.Select(m => m.Version)], StringComparer.Ordinal);
        var names = installed.Keys.Concat(_host.Models.Select(m => m.Name)).Concat(state.Models.Select(m => m.Name))
            .Where(ModelStore.IsValidName)
            .ToHashSet(StringComparer.Ordinal);
        return names.ToDictionary(
            n => n,
            n => new ModelView(n, _loader.Serving(n), _loader.Store.ReadActive(n), installed.GetValueOrDefault(n) ?? []),
            StringComparer.Ordinal);
    }

    /// <summary>Removes partial downloads of versions no longer desired.</summary>
    private void CleanDownloads(DesiredState state)
    {
        if (!Directory.Exists(_downloader.Directory))
        {
            return;
        }
        var wanted = state.Models.Where(m => ModelStore.IsValidName(m.Name) && ModelStore.IsValidName(m.Version))
            .Select(m => Path.GetFullPath(_downloader.PartPath(m.Name, m.Version)))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(_downloader.Directory, "*.part", SearchOption.AllDirectories))
        {
            if (!wanted.Contains(Path.GetFullPath(file)))
            {
                TryDelete(file);
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Cleaned up on a later pass.
        }
    }

    private static (string, string, string) Key(DesiredModel model) => (model.Name, model.Version, model.Sha256.ToLowerInvariant());

    /// <summary>What one model's steps have done so far, so a failure can be undone precisely.</summary>
    private sealed class ModelRun
    {
        public DownloadResult? Download { get; set; }

        public bool Installed { get; set; }

        public ModelInstance? Instance { get; set; }

        public bool Activated { get; set; }

        public string? Previous { get; set; }
    }
}

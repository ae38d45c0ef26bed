using EdgeAi.Serving.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeAi.Serving.Store;

/// <summary>
/// Keeps the model host in step with the model store: loads every installed version at start
/// (the agent is ready once each has been tried), then picks up versions added or removed while
/// running. A version whose file no longer matches its checksum is reported failed, never loaded.
/// </summary>
public sealed class ModelLoader : BackgroundService
{
    private readonly ModelStore _store;
    private readonly ModelHost _host;
    private readonly TimeProvider _time;
    private readonly TimeSpan _rescanInterval;
    private readonly ILogger<ModelLoader> _logger;
    private readonly TaskCompletionSource _initialLoad = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ModelLoader(ModelStore store, ModelHost host, TimeProvider time, TimeSpan rescanInterval, ILogger<ModelLoader> logger)
    {
        _store = store;
        _host = host;
        _time = time;
        _rescanInterval = rescanInterval;
        _logger = logger;
    }

    public bool InitialLoadDone => _initialLoad.Task.IsCompleted;

    public Task InitialLoad => _initialLoad.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Yield so host start-up (Kestrel binding) is not held up by model loading.
        await Task.Yield();
        try
        {
            Sync();
        }
        finally
        {
            _initialLoad.TrySetResult();
        }
        Runtime.Log.ModelsLoaded(_logger, _host.Models.Count(m => m.State == ModelState.Ready), _host.Models.Count);

        using var timer = new PeriodicTimer(_rescanInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Sync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Loads what the store has and the host lacks, unloads what the store no longer has.</summary>
    public void Sync()
    {
        var stored = _store.List();
        var loaded = _host.Models.ToDictionary(m => (m.Name, m.Version));
        foreach (var model in stored)
        {
            if (loaded.Remove((model.Name, model.Version)))
            {
                continue;
            }
            var problem = ModelStore.CheckIntegrity(model);
            if (problem is null)
            {
                _host.Load(model.Name, model.Version, model.ModelPath);
            }
            else
            {
                _host.MarkFailed(model.Name, model.Version, model.ModelPath, problem);
            }
        }
        foreach (var gone in loaded.Keys)
        {
            _host.Unload(gone.Name, gone.Version);
        }
    }
}

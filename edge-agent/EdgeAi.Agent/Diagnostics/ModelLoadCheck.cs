using EdgeAi.Common.Diagnostics;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;

namespace EdgeAi.Agent.Diagnostics;

/// <summary>
/// Every installed model version loaded in ONNX Runtime through the agent's own provider chain, then
/// released: one line each, with the provider it would run on (and those it skipped), or the load error.
/// </summary>
internal sealed class ModelLoadCheck(ModelStore store, SessionFactory sessions) : IDiagnosticCheck
{
    public const string Id = "models";

    // A large model on a slow device loads in seconds; a load still running after this is reported, not waited for.
    private static readonly TimeSpan LoadTimeout = TimeSpan.FromSeconds(60);

    public async Task<IReadOnlyList<CheckResult>> RunAsync(CancellationToken cancellationToken)
    {
        var installed = store.List();
        if (installed.Count == 0)
        {
            return [CheckResult.Warn(Id, $"no models installed in {store.Root}", "edge-agent models add FILE.onnx --name NAME (or deploy one from the hub)")];
        }
        var results = new List<CheckResult>();
        foreach (var model in installed)
        {
            results.Add(await LoadAsync(model, cancellationToken).ConfigureAwait(false));
        }
        return results;
    }

    private async Task<CheckResult> LoadAsync(StoredModel model, CancellationToken cancellationToken)
    {
        var id = $"model {model.Name}/{model.Version}";
        var fix = $"reinstall it: edge-agent models remove {model.Name} --version {model.Version}, then edge-agent models add FILE.onnx --name {model.Name} --version {model.Version}";
        if (model.Error is { } error)
        {
            return CheckResult.Fail(id, error, fix);
        }
        // ONNX Runtime loads synchronously; off the caller's thread so the timeout can answer.
        var load = Task.Run(() => sessions.Create(model.ModelPath, model.Name), cancellationToken);
        try
        {
            using var created = new Loaded(await load.WaitAsync(LoadTimeout, cancellationToken).ConfigureAwait(false));
            var skipped = created.Session.SkippedProviders.Count == 0
                ? ""
                : $" (skipped {string.Join(", ", created.Session.SkippedProviders.Select(s => $"{s.Provider}: {s.Reason}"))})";
            return CheckResult.Ok(id, $"loads on {created.Session.ExecutionProvider}{skipped}");
        }
        catch (ModelLoadException e)
        {
            return CheckResult.Fail(id, e.Message, fix);
        }
        catch (TimeoutException)
        {
            _ = load.ContinueWith(t => { if (t.IsCompletedSuccessfully) { new Loaded(t.Result).Dispose(); } }, TaskScheduler.Default);
            return CheckResult.Warn(id, $"still loading after {LoadTimeout.TotalSeconds:0} s", "check the model's size and the device's memory (edge-agent models list)");
        }
    }

    private sealed class Loaded(CreatedSession session) : IDisposable
    {
        public CreatedSession Session { get; } = session;

        public void Dispose()
        {
            Session.Session.Dispose();
            Session.Options.Dispose();
        }
    }
}

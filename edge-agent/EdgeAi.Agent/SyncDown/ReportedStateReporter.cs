using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.Routing;
using EdgeAi.Agent.Telemetry;
using EdgeAi.Agent.Twin;
using EdgeAi.Common.Sync;
using EdgeAi.Serving;
using EdgeAi.Serving.Runtime;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.SyncDown;

/// <summary>What a feature adds to the reported state (GPIO and its driver, the rules in effect, the pipelines).</summary>
internal interface IReportedStateSource
{
    void AddTo(ReportedState reported);
}

/// <summary>
/// The answer to the desired state: what is in effect on the device, appended to the outbox's
/// <c>reported</c> stream whenever it changed. The reconciler reports after every change it makes (its
/// last step); the telemetry collector asks every interval, so a change made elsewhere (a model added
/// by hand, a load that failed) is reported too.
/// </summary>
internal sealed class ReportedStateReporter(
    DurableOutbox outbox, ModelHost host, IOptionsMonitor<RoutingOptions> routing, IOptionsMonitor<TelemetryOptions> telemetry,
    IEnumerable<IReportedStateSource> sources, ILogger<ReportedStateReporter> logger)
{
    private readonly Lock _gate = new();
    private ByteString? _lastReported;
    private long _appliedRevision;

    /// <summary>The desired revision the reconciler last acted on (0 until it has); the reported state carries it.</summary>
    public long AppliedRevision
    {
        get => Interlocked.Read(ref _appliedRevision);
        set => Interlocked.Exchange(ref _appliedRevision, value);
    }

    /// <summary>Appends the reported state if it differs from the last one stored; one that could not be stored is tried again next time.</summary>
    public void ReportIfChanged()
    {
        lock (_gate)
        {
            var bytes = Reported(host.Models).ToByteString();
            if (bytes.Equals(_lastReported))
            {
                return;
            }
            try
            {
                outbox.Append(SyncTopics.Reported, bytes.ToByteArray());
                _lastReported = bytes;
            }
            catch (OutboxUnavailableException e)
            {
                SyncDownLog.ReportedNotStored(logger, e.Message);
            }
        }
    }

    /// <summary>
    /// The revision the agent last acted on; per model, the version requests go to as "active" and any
    /// other loaded version by its state ("ready" while a candidate is smoke-tested, "failed"); the
    /// live configuration in effect; each pipeline and where it stands.
    /// </summary>
    private ReportedState Reported(IReadOnlyList<ModelInstance> models)
    {
        var reported = new ReportedState
        {
            DesiredRevision = AppliedRevision,
            AgentVersion = Hosting.AgentHost.Version,
        };
        foreach (var m in models.OrderBy(m => m.Name, StringComparer.Ordinal).ThenBy(m => m.Version, ModelVersions.Comparer))
        {
            var serving = m.State == ModelState.Ready && ReferenceEquals(Serving(m.Name), m);
            reported.Models.Add(new InstalledModel
            {
                Name = m.Name,
                Version = m.Version,
                State = serving ? "active" : m.State.ToString().ToLowerInvariant(),
                ExecutionProvider = m.ExecutionProvider ?? "",
                Variant = m.Variant,
            });
        }
        reported.ExecutionProviders.Add(models.Select(m => m.ExecutionProvider).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        reported.Config.Add(EffectiveConfig.Describe(routing.CurrentValue, telemetry.CurrentValue));
        foreach (var source in sources)
        {
            source.AddTo(reported);
        }
        return reported;
    }

    private ModelInstance? Serving(string name)
    {
        try
        {
            return host.Resolve(name, null);
        }
        catch (InferenceException)
        {
            return null; // unloaded since the list was taken
        }
    }
}

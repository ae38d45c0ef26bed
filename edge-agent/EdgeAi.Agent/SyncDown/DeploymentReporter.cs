using System.Globalization;
using EdgeAi.Agent.Outbox;
using EdgeAi.Common.Sync;
using Google.Protobuf;

namespace EdgeAi.Agent.SyncDown;

/// <summary>Values of DeploymentStatus.state.</summary>
internal static class DeploymentStates
{
    public const string Downloading = "downloading";
    public const string Verifying = "verifying";
    public const string Loading = "loading";
    public const string Active = "active";
    public const string Failed = "failed";
    public const string RolledBack = "rolled_back";
}

/// <summary>
/// Appends deployment progress to the outbox's "deployments" stream (never dropped), and an event
/// for each failure. The same report is not repeated within one revision, so retry rounds while the
/// hub is away do not flood the stream.
/// </summary>
internal sealed class DeploymentReporter
{
    private readonly DurableOutbox _outbox;
    private readonly EventReporter _events;
    private readonly ILogger<DeploymentReporter> _logger;
    private readonly HashSet<(long Revision, string Model, string Version, string State, string Message)> _sent = [];

    public DeploymentReporter(DurableOutbox outbox, EventReporter events, ILogger<DeploymentReporter> logger)
    {
        _outbox = outbox;
        _events = events;
        _logger = logger;
    }

    /// <exception cref="OutboxUnavailableException">Not stored (the disk refuses writes); not marked as sent, so the reconciler's retry reports it again.</exception>
    public void Report(long revision, string model, string version, string state, string message = "")
    {
        // "active" once per revision whatever its message; other states again only with news.
        var key = (revision, model, version, state, state == DeploymentStates.Active ? "" : message);
        lock (_sent)
        {
            if (!_sent.Add(key))
            {
                return;
            }
            if (_sent.Count > 10_000)
            {
                _sent.RemoveWhere(s => s.Revision < revision);
            }
        }
        SyncDownLog.Status(_logger, model, version, state, revision, message);
        try
        {
            _outbox.Append(SyncTopics.Deployments, new DeploymentStatus
            {
                DesiredRevision = revision,
                Model = model,
                Version = version,
                State = state,
                Message = message,
            }.ToByteArray());
        }
        catch (OutboxUnavailableException)
        {
            lock (_sent)
            {
                _sent.Remove(key);
            }
            throw;
        }
    }

    public void Failed(long revision, string model, string version, string reason)
    {
        Report(revision, model, version, DeploymentStates.Failed, reason);
        _events.Report("deployment_failed", EventReporter.Error, $"model '{model}' version {version}: {reason}",
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["model"] = model,
                ["version"] = version,
                ["desired_revision"] = revision.ToString(CultureInfo.InvariantCulture),
            });
    }
}

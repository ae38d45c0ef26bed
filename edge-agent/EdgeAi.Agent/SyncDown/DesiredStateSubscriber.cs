using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.Uplink;
using EdgeAi.Common.Sync;
using Google.Protobuf;

namespace EdgeAi.Agent.SyncDown;

/// <summary>
/// Sync down over the <see cref="MqttConnection"/>: subscribes to this device's <c>desired</c> and <c>commands</c>
/// topics, stores each newer desired state (the reconciler follows the store) and records each command as an
/// event. A message that does not parse is reported and ignored.
/// </summary>
internal sealed class DesiredStateSubscriber(DesiredStateStore desired, EventReporter events, ILogger<DesiredStateSubscriber> logger) : IUplinkReceiver
{
    public IReadOnlyList<string> Topics { get; } = [SyncTopics.Desired, SyncTopics.Commands];

    public void Receive(UplinkMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            if (message.Leaf == SyncTopics.Desired)
            {
                if (message.Payload.Length == 0)
                {
                    return; // a cleared retained message: nothing desired yet
                }
                var state = DesiredState.Parser.ParseFrom(message.Payload);
                if (desired.TrySave(state))
                {
                    SyncDownLog.DesiredStored(logger, state.Revision, state.Models.Count);
                }
            }
            else if (message.Leaf == SyncTopics.Commands)
            {
                var command = Command.Parser.ParseFrom(message.Payload);
                SyncDownLog.CommandReceived(logger, command.Name, command.Id);
                events.Report("command_received", EventReporter.Info, $"command '{command.Name}' received; not acted on by this agent version",
                    new Dictionary<string, string>(StringComparer.Ordinal) { ["id"] = command.Id, ["name"] = command.Name });
            }
        }
        catch (InvalidProtocolBufferException ex)
        {
            SyncDownLog.MessageIgnored(logger, message.Topic, ex.Message);
            events.Report("message_invalid", EventReporter.Warning, $"message on {message.Topic} is not valid: {ex.Message}");
        }
    }
}

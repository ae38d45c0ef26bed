using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.Uplink;
using EdgeAi.Common.Sync;
using Google.Protobuf;

namespace EdgeAi.Agent.SyncDown;

/// <summary>Acts on commands from the hub (the <c>commands</c> topic), such as firing a rule; called on the MQTT receive path, so it must not block.</summary>
internal interface IDeviceCommandHandler
{
    /// <summary>What was done, in words, when the command is this handler's; null when it is not.</summary>
    string? Handle(Command command);
}

/// <summary>
/// Sync down over the <see cref="MqttConnection"/>: subscribes to this device's <c>desired</c> and <c>commands</c>
/// topics, stores each newer desired state (the reconciler follows the store), hands each command to the
/// <see cref="IDeviceCommandHandler"/>s and records it as an event saying what was done. A message that does not
/// parse is reported and ignored.
/// </summary>
internal sealed class DesiredStateSubscriber(
    DesiredStateStore desired, EventReporter events, IEnumerable<IDeviceCommandHandler> handlers, ILogger<DesiredStateSubscriber> logger) : IUplinkReceiver
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
                if (message.Payload.Length == 0)
                {
                    return; // a cleared retained command (the hub retains a support-bundle request until the bundle arrives)
                }
                var command = Command.Parser.ParseFrom(message.Payload);
                SyncDownLog.CommandReceived(logger, command.Name, command.Id);
                var done = handlers.Select(h => h.Handle(command)).FirstOrDefault(outcome => outcome is not null);
                events.Report("command_received", EventReporter.Info, done is null ? $"command '{command.Name}' received; not acted on by this agent version" : $"command '{command.Name}' received: {done}",
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

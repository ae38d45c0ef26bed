using System.Text;
using EdgeAi.Common.Sync;
using MQTTnet;

namespace EdgeAi.Hub.Broker;

/// <summary>The trace contexts a device's message carries in its MQTT 5 user properties (none from MQTT 3.1.1 clients).</summary>
internal static class MqttTrace
{
    public static TraceContexts Read(MqttApplicationMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.UserProperties is not { Count: > 0 } properties
            ? TraceContexts.None
            : TraceContextProperties.Parse(properties.Select(p => new KeyValuePair<string, string?>(p.Name, Encoding.UTF8.GetString(p.ValueBuffer.ToArray()))));
    }
}

namespace EdgeAi.Hub.Broker;

/// <summary>MQTT broker and external-broker client log messages; event ids 3100-3149.</summary>
internal static partial class Log
{
    [LoggerMessage(3100, LogLevel.Information, "MQTT broker listening on {Address}: plain port {Port}, TLS port {TlsPort} (-1: off)")]
    public static partial void BrokerListening(ILogger logger, string address, int port, int tlsPort);

    [LoggerMessage(3101, LogLevel.Warning, "Refused MQTT connection from {Remote} (client id '{ClientId}', user '{UserName}'): {Reason}")]
    public static partial void ConnectionRefused(ILogger logger, string remote, string clientId, string userName, string reason);

    [LoggerMessage(3102, LogLevel.Warning, "Refused publish by {DeviceId} to {Topic}: outside its topics")]
    public static partial void PublishRefused(ILogger logger, string deviceId, string topic);

    [LoggerMessage(3103, LogLevel.Warning, "Refused subscription by {DeviceId} to {TopicFilter}: only exact topics under its own prefix")]
    public static partial void SubscribeRefused(ILogger logger, string deviceId, string topicFilter);

    [LoggerMessage(3104, LogLevel.Warning, "MQTT TLS listener off: the hub has no certificate (Hub:AllowInsecureHttp)")]
    public static partial void NoTlsCertificate(ILogger logger);

    [LoggerMessage(3105, LogLevel.Information, "{Count} device(s) the store still had online marked offline (hub restarted) until they reconnect")]
    public static partial void PresenceForgotten(ILogger logger, int count);

    [LoggerMessage(3106, LogLevel.Warning, "Refused an MQTT packet of {Bytes} bytes from {DeviceId} ({Remote}): over Hub:Mqtt:MaxPacketBytes {Limit} ({Unlogged} more refusals from it in the {Interval} before, not logged)")]
    public static partial void PacketTooLarge(ILogger logger, string deviceId, string remote, long bytes, int limit, long unlogged, TimeSpan interval);

    [LoggerMessage(3110, LogLevel.Information, "Connected to external broker {Broker} as {ClientId} (session present: {SessionPresent})")]
    public static partial void ExternalConnected(ILogger logger, Uri broker, string clientId, bool sessionPresent);

    [LoggerMessage(3111, LogLevel.Warning, "Cannot connect to external broker {Broker}: {Reason}; retrying in {Delay}")]
    public static partial void ExternalConnectFailed(ILogger logger, Uri broker, string reason, TimeSpan delay);

    [LoggerMessage(3112, LogLevel.Warning, "Subscription {TopicFilter} refused by the external broker: {ResultCode}")]
    public static partial void ExternalSubscribeRefused(ILogger logger, string topicFilter, string resultCode);

    [LoggerMessage(3113, LogLevel.Warning, "Storing a message from {Topic} failed; retrying in {Delay} before acknowledging it")]
    public static partial void ExternalStoreRetry(ILogger logger, string topic, TimeSpan delay);

    [LoggerMessage(3114, LogLevel.Warning, "Ignored a message on {Topic}: not a device topic")]
    public static partial void ExternalForeignTopic(ILogger logger, string topic);
}

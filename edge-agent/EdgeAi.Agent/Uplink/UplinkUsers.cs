namespace EdgeAi.Agent.Uplink;

/// <summary>
/// The connection's sending user (sync up: the outbox drainer). The connection calls it whenever the link is up,
/// and pings the broker when it has had nothing to send for Uplink:IdleCheckInterval.
/// </summary>
internal interface IUplinkSender
{
    /// <summary>What waits to be sent, for the connection's log lines.</summary>
    long Waiting { get; }

    /// <summary>
    /// Sends what waits, until nothing does. A failure ends the connection's turn: it backs off (and reconnects if the
    /// link dropped) before it calls again, so the sender keeps whatever it did not see acknowledged.
    /// </summary>
    Task SendAsync(UplinkLink link, CancellationToken cancellationToken);

    /// <summary>True as soon as something waits to be sent; false after <paramref name="timeout"/> without.</summary>
    Task<bool> WaitForWorkAsync(TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>
/// A receiving user of the connection (sync down: the desired-state subscriber): the topics under this device's
/// prefix it subscribes to, and what it does with a message on one. It runs on the MQTT client's thread: it must not block.
/// </summary>
internal interface IUplinkReceiver
{
    /// <summary>Topic leaves under <c>edgeai/v1/{deviceId}/</c>, e.g. <c>desired</c>.</summary>
    IReadOnlyList<string> Topics { get; }

    void Receive(UplinkMessage message);
}

/// <summary>A message from the broker on one of a receiver's topics: the leaf it subscribed to, the full topic, the payload.</summary>
internal sealed record UplinkMessage(string Leaf, string Topic, byte[] Payload);

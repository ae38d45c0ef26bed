namespace EdgeAi.Common.Service;

/// <summary>One installed service, as the install command resolved it from its options.</summary>
/// <param name="Product">Which executable, with its names and defaults.</param>
/// <param name="Executable">Absolute path of the executable the service runs.</param>
/// <param name="Arguments">The arguments after it (<c>run …</c>).</param>
/// <param name="User">The account it runs as; its primary group has the same name.</param>
/// <param name="DataDirectory">Its data directory: the working directory and the only path it may write.</param>
/// <param name="SupplementaryGroups">Further groups (gpio where it exists and the product uses GPIO).</param>
public sealed record ServiceDefinition(
    ServiceProduct Product,
    string Executable,
    IReadOnlyList<string> Arguments,
    string User,
    string DataDirectory,
    IReadOnlyList<string> SupplementaryGroups)
{
    /// <summary>How long systemd waits for a WATCHDOG=1 before it kills and restarts the service.</summary>
    public TimeSpan Watchdog { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The pause before a restart after a failure.</summary>
    public TimeSpan RestartDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Open files: sockets (MQTT, gRPC, REST clients) and the store's files together.</summary>
    public int OpenFileLimit { get; init; } = 65536;
}

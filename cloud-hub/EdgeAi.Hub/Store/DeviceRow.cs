namespace EdgeAi.Hub.Store;

/// <summary>One device as the hub last saw it. Times are unix milliseconds, so raw SQL and both providers agree on them.</summary>
internal sealed class DeviceRow
{
    public required string Id { get; set; }

    public long FirstSeenAtMs { get; set; }

    /// <summary>The last time anything arrived from the device (records or status).</summary>
    public long LastSeenAtMs { get; set; }

    public bool Online { get; set; }

    public string? AgentVersion { get; set; }

    /// <summary>When the hub received the latest status message (a will included).</summary>
    public long? StatusAtMs { get; set; }

    public long? StartedAtMs { get; set; }

    public string? LastOfflineReason { get; set; }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

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

    /// <summary>Tags from the enrollment token (JSON object of strings), what deployment selectors match.</summary>
    public string? Tags { get; set; }

    /// <summary>SHA-256 (hex) of the device key issued at enrollment; null for devices known only by Hub:DeviceKeys or by their traffic.</summary>
    public string? KeyHash { get; set; }

    public long? EnrolledAtMs { get; set; }

    /// <summary>Set when an admin revoked the device: it is refused on MQTT and gRPC from then on.</summary>
    public long? RevokedAtMs { get; set; }

    /// <summary>Revision of the desired state last published to the device.</summary>
    public long? DesiredRevision { get; set; }

    /// <summary>The latest ReportedState (protobuf) the device sent, and when it arrived.</summary>
    public byte[]? Reported { get; set; }

    public long? ReportedAtMs { get; set; }

    /// <summary>The twin's desired configuration (JSON object of agent configuration keys to values), published with the desired state.</summary>
    public string? DesiredConfig { get; set; }
}

/// <summary>Table devices; the ingest writer's SQL (IngestSql) inserts and updates it by these names.</summary>
internal sealed class DeviceRowConfiguration : IEntityTypeConfiguration<DeviceRow>
{
    public void Configure(EntityTypeBuilder<DeviceRow> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("devices").HasKey(d => d.Id).HasName("PK_devices");
        builder.Property(d => d.Id).HasMaxLength(64);
        builder.Property(d => d.KeyHash).HasMaxLength(64);
    }
}

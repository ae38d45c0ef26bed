using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EdgeAi.Hub.Store;

/// <summary>One record of one device stream, stored once per (device, stream, epoch, seq).</summary>
internal sealed class RecordRow
{
    public long Id { get; set; }

    public required string DeviceId { get; set; }

    public required string Stream { get; set; }

    /// <summary>The device's outbox file (see RecordBatch.epoch): sequence numbers restart in a new one.</summary>
    public long Epoch { get; set; }

    public long Seq { get; set; }

    public long CreatedAtMs { get; set; }

    public long ReceivedAtMs { get; set; }

    public required byte[] Body { get; set; }
}

/// <summary>Table records; the ingest writer's SQL (IngestSql) inserts into it by these names and its unique index.</summary>
internal sealed class RecordRowConfiguration : IEntityTypeConfiguration<RecordRow>
{
    public void Configure(EntityTypeBuilder<RecordRow> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("records").HasKey(r => r.Id).HasName("PK_records");
        builder.Property(r => r.DeviceId).HasMaxLength(64);
        builder.Property(r => r.Stream).HasMaxLength(32);
        // The de-duplication key: at-least-once delivery becomes exactly-once storage (ON CONFLICT DO NOTHING).
        builder.HasIndex(r => new { r.DeviceId, r.Stream, r.Epoch, r.Seq }).IsUnique().HasDatabaseName("ux_records_device_stream_epoch_seq");
        // Time-window reads (telemetry by created time).
        builder.HasIndex(r => new { r.DeviceId, r.Stream, r.CreatedAtMs }).HasDatabaseName("ix_records_device_stream_created");
    }
}

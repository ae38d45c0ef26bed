using EdgeAi.Hub.Deployments;
using EdgeAi.Hub.Registry;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Store;

/// <summary>
/// The fleet store. Table and column names are lower snake case so the ingest writer's hand-written
/// SQL runs unquoted on SQLite and PostgreSQL alike.
/// </summary>
internal sealed class HubDbContext(DbContextOptions<HubDbContext> options) : DbContext(options)
{
    public DbSet<DeviceRow> Devices => Set<DeviceRow>();

    public DbSet<RecordRow> Records => Set<RecordRow>();

    public DbSet<AuditRow> Audit => Set<AuditRow>();

    public DbSet<EnrollmentTokenRow> EnrollmentTokens => Set<EnrollmentTokenRow>();
    public DbSet<ModelRow> Models => Set<ModelRow>();

    public DbSet<DeploymentRow> Deployments => Set<DeploymentRow>();

    public DbSet<DeploymentTargetRow> DeploymentTargets => Set<DeploymentTargetRow>();

    public DbSet<DesiredModelRow> DesiredModels => Set<DesiredModelRow>();

    public DbSet<CursorRow> Cursors => Set<CursorRow>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var device = modelBuilder.Entity<DeviceRow>();
        device.ToTable("devices").HasKey(d => d.Id);
        device.Property(d => d.Id).HasColumnName("id").HasMaxLength(64);
        device.Property(d => d.FirstSeenAtMs).HasColumnName("first_seen_at_ms");
        device.Property(d => d.LastSeenAtMs).HasColumnName("last_seen_at_ms");
        device.Property(d => d.Online).HasColumnName("online");
        device.Property(d => d.AgentVersion).HasColumnName("agent_version");
        device.Property(d => d.StatusAtMs).HasColumnName("status_at_ms");
        device.Property(d => d.StartedAtMs).HasColumnName("started_at_ms");
        device.Property(d => d.LastOfflineReason).HasColumnName("last_offline_reason");
        device.Property(d => d.Tags).HasColumnName("tags");
        device.Property(d => d.KeyHash).HasColumnName("key_hash").HasMaxLength(64);
        device.Property(d => d.EnrolledAtMs).HasColumnName("enrolled_at_ms");
        device.Property(d => d.RevokedAtMs).HasColumnName("revoked_at_ms");
        device.Property(d => d.DesiredRevision).HasColumnName("desired_revision");
        device.Property(d => d.Reported).HasColumnName("reported");
        device.Property(d => d.ReportedAtMs).HasColumnName("reported_at_ms");
        device.Property(d => d.DesiredConfig).HasColumnName("desired_config");

        var record = modelBuilder.Entity<RecordRow>();
        record.ToTable("records").HasKey(r => r.Id);
        record.Property(r => r.Id).HasColumnName("id");
        record.Property(r => r.DeviceId).HasColumnName("device_id").HasMaxLength(64);
        record.Property(r => r.Stream).HasColumnName("stream").HasMaxLength(32);
        record.Property(r => r.Epoch).HasColumnName("epoch");
        record.Property(r => r.Seq).HasColumnName("seq");
        record.Property(r => r.CreatedAtMs).HasColumnName("created_at_ms");
        record.Property(r => r.ReceivedAtMs).HasColumnName("received_at_ms");
        record.Property(r => r.Body).HasColumnName("body");
        // The de-duplication key: at-least-once delivery becomes exactly-once storage (ON CONFLICT DO NOTHING).
        record.HasIndex(r => new { r.DeviceId, r.Stream, r.Epoch, r.Seq }).IsUnique().HasDatabaseName("ux_records_device_stream_epoch_seq");
        // Time-window reads (telemetry by created time).
        record.HasIndex(r => new { r.DeviceId, r.Stream, r.CreatedAtMs }).HasDatabaseName("ix_records_device_stream_created");

        var audit = modelBuilder.Entity<AuditRow>();
        audit.ToTable("audit").HasKey(a => a.Id);
        audit.Property(a => a.Id).HasColumnName("id");
        audit.Property(a => a.AtMs).HasColumnName("at_ms");
        audit.Property(a => a.Actor).HasColumnName("actor").HasMaxLength(128);
        audit.Property(a => a.Action).HasColumnName("action").HasMaxLength(64);
        audit.Property(a => a.Target).HasColumnName("target").HasMaxLength(256);
        audit.Property(a => a.Detail).HasColumnName("detail");
        audit.HasIndex(a => a.AtMs).HasDatabaseName("ix_audit_at");

        modelBuilder.ApplyConfiguration(new EnrollmentTokenRowConfiguration());
        ModelRow.Configure(modelBuilder);
        DeploymentModel.Configure(modelBuilder);
    }
}

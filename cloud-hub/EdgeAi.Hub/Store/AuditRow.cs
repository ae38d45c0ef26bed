using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EdgeAi.Hub.Store;

/// <summary>One entry of the audit log: who did what to which target, and when (unix ms).</summary>
internal sealed class AuditRow
{
    public long Id { get; set; }

    public long AtMs { get; set; }

    /// <summary>"admin" (or the name the CLI sent), "token:{id}" for an enrollment, "hub" for the rollout controller.</summary>
    public required string Actor { get; set; }

    /// <summary>Dotted verb, e.g. token.create, device.enroll, device.revoke, model.push, deployment.create, deployment.rollback.</summary>
    public required string Action { get; set; }

    public required string Target { get; set; }

    public string? Detail { get; set; }
}

internal sealed class AuditRowConfiguration : IEntityTypeConfiguration<AuditRow>
{
    public void Configure(EntityTypeBuilder<AuditRow> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("audit").HasKey(a => a.Id).HasName("PK_audit");
        builder.Property(a => a.Actor).HasMaxLength(128);
        builder.Property(a => a.Action).HasMaxLength(64);
        builder.Property(a => a.Target).HasMaxLength(256);
        builder.HasIndex(a => a.AtMs).HasDatabaseName("ix_audit_at");
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EdgeAi.Hub.Store;

/// <summary>
/// An enrollment token an admin created: exchanged by devices for an identity, at most MaxUses times,
/// until it expires or is revoked. Only a hash of its secret is kept; the token itself is shown once.
/// </summary>
internal sealed class EnrollmentTokenRow
{
    public required string Id { get; set; }

    /// <summary>SHA-256 (hex) of the token's secret part.</summary>
    public required string SecretHash { get; set; }

    /// <summary>Tags every device enrolled with this token gets (JSON object of strings).</summary>
    public required string Tags { get; set; }

    public int MaxUses { get; set; }

    public int Uses { get; set; }

    public long ExpiresAtMs { get; set; }

    public long CreatedAtMs { get; set; }

    public required string CreatedBy { get; set; }

    public long? RevokedAtMs { get; set; }
}

/// <summary>Table enrollment_tokens, lower snake case like the rest of the store.</summary>
internal sealed class EnrollmentTokenRowConfiguration : IEntityTypeConfiguration<EnrollmentTokenRow>
{
    public void Configure(EntityTypeBuilder<EnrollmentTokenRow> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("enrollment_tokens").HasKey(t => t.Id);
        builder.Property(t => t.Id).HasColumnName("id").HasMaxLength(32);
        builder.Property(t => t.SecretHash).HasColumnName("secret_hash").HasMaxLength(64);
        builder.Property(t => t.Tags).HasColumnName("tags");
        builder.Property(t => t.MaxUses).HasColumnName("max_uses");
        builder.Property(t => t.Uses).HasColumnName("uses");
        builder.Property(t => t.ExpiresAtMs).HasColumnName("expires_at_ms");
        builder.Property(t => t.CreatedAtMs).HasColumnName("created_at_ms");
        builder.Property(t => t.CreatedBy).HasColumnName("created_by").HasMaxLength(128);
        builder.Property(t => t.RevokedAtMs).HasColumnName("revoked_at_ms");
    }
}

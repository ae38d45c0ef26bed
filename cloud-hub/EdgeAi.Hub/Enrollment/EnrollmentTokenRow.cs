using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EdgeAi.Hub.Enrollment;

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

internal sealed class EnrollmentTokenRowConfiguration : IEntityTypeConfiguration<EnrollmentTokenRow>
{
    public void Configure(EntityTypeBuilder<EnrollmentTokenRow> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("enrollment_tokens").HasKey(t => t.Id).HasName("PK_enrollment_tokens");
        builder.Property(t => t.Id).HasMaxLength(32);
        builder.Property(t => t.SecretHash).HasMaxLength(64);
        builder.Property(t => t.CreatedBy).HasMaxLength(128);
    }
}

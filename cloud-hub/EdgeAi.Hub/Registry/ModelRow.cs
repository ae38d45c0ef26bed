using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EdgeAi.Hub.Registry;

/// <summary>One registered model version: its artifact's identity, the hub's signature over it, and its interface.</summary>
internal sealed class ModelRow
{
    public required string Name { get; set; }

    public required string Version { get; set; }

    /// <summary>Lower-case hex SHA-256 of the artifact.</summary>
    public required string Sha256 { get; set; }

    public long SizeBytes { get; set; }

    /// <summary>ModelSignature over name, version and sha256 (64 bytes, IEEE P1363).</summary>
    public required byte[] Signature { get; set; }

    /// <summary>JSON array of {name, datatype, shape} as read from the file.</summary>
    public required string Inputs { get; set; }

    public required string Outputs { get; set; }

    public long CreatedAtMs { get; set; }

    public required string CreatedBy { get; set; }
}

internal sealed class ModelRowConfiguration : IEntityTypeConfiguration<ModelRow>
{
    public void Configure(EntityTypeBuilder<ModelRow> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("models").HasKey(m => new { m.Name, m.Version }).HasName("PK_models");
        builder.Property(m => m.Name).HasMaxLength(128);
        builder.Property(m => m.Version).HasMaxLength(128);
        builder.Property(m => m.Sha256).HasMaxLength(64);
        builder.Property(m => m.CreatedBy).HasMaxLength(128);
    }
}

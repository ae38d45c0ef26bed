using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EdgeAi.Hub.Registry;

/// <summary>
/// One variant (int8, fp16) of a registered version beside its fp32 artifact, which stays in
/// <see cref="ModelRow"/>. Its interface is the version's (checked on upload), so only its identity,
/// the hub's signature over it and, for int8, the accuracy report are kept.
/// </summary>
internal sealed class ModelVariantRow
{
    public required string Name { get; set; }

    public required string Version { get; set; }

    /// <summary>"int8" or "fp16" (fp32 is the version's own artifact).</summary>
    public required string Variant { get; set; }

    public required string Sha256 { get; set; }

    public long SizeBytes { get; set; }

    /// <summary>ModelSignature over name, version, variant and sha256.</summary>
    public required byte[] Signature { get; set; }

    public long CreatedAtMs { get; set; }

    public required string CreatedBy { get; set; }

    /// <summary>The quantizer's accuracy report (JSON), stored as given; null until one is put.</summary>
    public string? Report { get; set; }
}

internal sealed class ModelVariantRowConfiguration : IEntityTypeConfiguration<ModelVariantRow>
{
    public const string Table = "model_variants";

    public void Configure(EntityTypeBuilder<ModelVariantRow> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Created by PreviousReleaseSchema's SQL when a store made before variants is adopted; keep the two in step.
        builder.ToTable(Table).HasKey(v => new { v.Name, v.Version, v.Variant }).HasName("PK_model_variants");
        builder.Property(v => v.Name).HasMaxLength(128);
        builder.Property(v => v.Version).HasMaxLength(128);
        builder.Property(v => v.Variant).HasMaxLength(16);
        builder.Property(v => v.Sha256).HasMaxLength(64);
        builder.Property(v => v.CreatedBy).HasMaxLength(128);
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EdgeAi.Hub.Deployments;

/// <summary>
/// A deployment that names its variant (fp32, int8, fp16) instead of letting the hub choose per
/// device ("auto", no row). A table of its own, not a column of deployments: the store has no
/// migrations, and a new table can be created on a store made before variants.
/// </summary>
internal sealed class DeploymentVariantRow
{
    public long DeploymentId { get; set; }

    public required string Variant { get; set; }
}

internal sealed class DeploymentVariantRowConfiguration : IEntityTypeConfiguration<DeploymentVariantRow>
{
    public const string Table = "deployment_variants";

    public void Configure(EntityTypeBuilder<DeploymentVariantRow> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable(Table).HasKey(v => v.DeploymentId).HasName("PK_deployment_variants");
        builder.Property(v => v.DeploymentId).ValueGeneratedNever();
        builder.Property(v => v.Variant).HasMaxLength(16);
    }
}

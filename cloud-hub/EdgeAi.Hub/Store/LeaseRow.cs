using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EdgeAi.Hub.Store;

/// <summary>
/// A named lease that one hub replica holds at a time (Leadership/): who holds it, the epoch of its
/// current holding (raised on every takeover, the fencing token) and when it lapses, in unix
/// milliseconds of the database's clock.
/// </summary>
internal sealed class LeaseRow
{
    public required string Name { get; set; }

    public required string Holder { get; set; }

    public long Epoch { get; set; }

    public long ExpiresAtMs { get; set; }
}

/// <summary>Table leases; the lease store's SQL (Leadership/SqlLeaseStore) reads and writes it by these names.</summary>
internal sealed class LeaseRowConfiguration : IEntityTypeConfiguration<LeaseRow>
{
    public void Configure(EntityTypeBuilder<LeaseRow> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("leases").HasKey(l => l.Name).HasName("PK_leases");
        builder.Property(l => l.Name).HasMaxLength(64);
        builder.Property(l => l.Holder).HasMaxLength(128);
    }
}

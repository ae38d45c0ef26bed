using Microsoft.EntityFrameworkCore;

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

    public static void Configure(ModelBuilder modelBuilder)
    {
        var model = modelBuilder.Entity<ModelRow>();
        model.ToTable("models").HasKey(m => new { m.Name, m.Version });
        model.Property(m => m.Name).HasColumnName("name").HasMaxLength(128);
        model.Property(m => m.Version).HasColumnName("version").HasMaxLength(128);
        model.Property(m => m.Sha256).HasColumnName("sha256").HasMaxLength(64);
        model.Property(m => m.SizeBytes).HasColumnName("size_bytes");
        model.Property(m => m.Signature).HasColumnName("signature");
        model.Property(m => m.Inputs).HasColumnName("inputs");
        model.Property(m => m.Outputs).HasColumnName("outputs");
        model.Property(m => m.CreatedAtMs).HasColumnName("created_at_ms");
        model.Property(m => m.CreatedBy).HasColumnName("created_by").HasMaxLength(128);
    }
}

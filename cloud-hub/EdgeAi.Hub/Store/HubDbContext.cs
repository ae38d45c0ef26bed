using EdgeAi.Hub.Deployments;
using EdgeAi.Hub.Enrollment;
using EdgeAi.Hub.Registry;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Store;

/// <summary>
/// The fleet store. Table and column names are lower snake case (EFCore.NamingConventions), so the
/// ingest writer's hand-written SQL runs unquoted on SQLite and PostgreSQL alike; each row class
/// configures its table beside itself (an <see cref="IEntityTypeConfiguration{TEntity}"/>). Abstract: each
/// provider has its own derived context (<see cref="SqliteHubDbContext"/>, <see cref="PostgresHubDbContext"/>)
/// because EF Core keeps one migration set per context type, and the SQL of the two differs.
/// </summary>
internal abstract class HubDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<DeviceRow> Devices => Set<DeviceRow>();

    public DbSet<RecordRow> Records => Set<RecordRow>();

    public DbSet<AuditRow> Audit => Set<AuditRow>();

    public DbSet<EnrollmentTokenRow> EnrollmentTokens => Set<EnrollmentTokenRow>();

    public DbSet<ModelRow> Models => Set<ModelRow>();

    public DbSet<ModelVariantRow> ModelVariants => Set<ModelVariantRow>();

    public DbSet<DeploymentVariantRow> DeploymentVariants => Set<DeploymentVariantRow>();

    public DbSet<DeploymentRow> Deployments => Set<DeploymentRow>();

    public DbSet<DeploymentTargetRow> DeploymentTargets => Set<DeploymentTargetRow>();

    public DbSet<DesiredModelRow> DesiredModels => Set<DesiredModelRow>();

    public DbSet<CursorRow> Cursors => Set<CursorRow>();

    public DbSet<LeaseRow> Leases => Set<LeaseRow>();

    // Primary keys are named HasName("PK_{table}") beside each row: the names EnsureCreated gave them before this convention, which would write pk_{table}.
    // Here rather than where the provider is chosen, so every context of this model (tests' included) has the names the raw SQL uses.
    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder) => optionsBuilder.UseSnakeCaseNamingConvention();

    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.ApplyConfigurationsFromAssembly(typeof(HubDbContext).Assembly);
}

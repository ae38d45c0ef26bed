using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace EdgeAi.Hub.Store;

// What dotnet-ef uses to build each context when it adds a migration (it never connects for that):
//   dotnet ef migrations add NAME --project cloud-hub/EdgeAi.Hub --context SqliteHubDbContext --output-dir Store/Migrations/Sqlite
//   dotnet ef migrations add NAME --project cloud-hub/EdgeAi.Hub --context PostgresHubDbContext --output-dir Store/Migrations/Postgres

/// <summary>Design-time SQLite context for dotnet-ef.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteHubDbContext>
{
    public SqliteHubDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder().UseSqlite("Data Source=design-time.db").Options);
}

/// <summary>Design-time PostgreSQL context for dotnet-ef.</summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresHubDbContext>
{
    public PostgresHubDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder().UseNpgsql("Host=localhost;Database=edgeai_design_time").Options);
}

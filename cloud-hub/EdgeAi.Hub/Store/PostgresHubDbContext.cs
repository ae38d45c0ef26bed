using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Store;

/// <summary>The fleet store on PostgreSQL: the context its migrations (Store/Migrations/Postgres) belong to.</summary>
internal sealed class PostgresHubDbContext(DbContextOptions options) : HubDbContext(options);

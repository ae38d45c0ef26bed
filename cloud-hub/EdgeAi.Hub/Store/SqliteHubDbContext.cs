using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Store;

/// <summary>The fleet store on SQLite: the context its migrations (Store/Migrations/Sqlite) belong to.</summary>
internal sealed class SqliteHubDbContext(DbContextOptions options) : HubDbContext(options);

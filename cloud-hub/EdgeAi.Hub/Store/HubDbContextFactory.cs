using EdgeAi.Hub.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Store;

/// <summary>
/// Makes the provider's own context (<see cref="SqliteHubDbContext"/> or <see cref="PostgresHubDbContext"/>)
/// behind <see cref="IDbContextFactory{HubDbContext}"/>, so the rest of the hub never names a provider.
/// The options are built once, on first use, from the validated store options.
/// </summary>
internal sealed class HubDbContextFactory : IDbContextFactory<HubDbContext>
{
    private readonly Lazy<(DbContextOptions Options, bool Sqlite)> _options;

    public HubDbContextFactory(IServiceProvider services, IOptions<StoreOptions> store, IOptions<HubOptions> hub)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(hub);
        _options = new Lazy<(DbContextOptions, bool)>(() =>
        {
            var options = store.Value;
            // The application's services give EF Core its logger factory, as AddDbContextFactory would.
            var builder = new DbContextOptionsBuilder().UseApplicationServiceProvider(services);
            Configure(builder, options, hub.Value);
            return (builder.Options, options.IsSqlite);
        });
    }

    public HubDbContext CreateDbContext()
    {
        var (options, sqlite) = _options.Value;
        return sqlite ? new SqliteHubDbContext(options) : new PostgresHubDbContext(options);
    }

    /// <summary>Puts the provider and connection string of <paramref name="store"/> on <paramref name="builder"/>.</summary>
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder builder, StoreOptions store, HubOptions hub)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(store);
        var connectionString = StoreExtensions.ConnectionString(store, hub);
        return store.IsSqlite ? builder.UseSqlite(connectionString) : builder.UseNpgsql(connectionString);
    }
}

using EdgeAi.Hub.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Store;

/// <summary>Registers the fleet store: options, a context factory for the chosen provider, schema creation at start.</summary>
internal static class StoreExtensions
{
    public static IServiceCollection AddHubStore(this IServiceCollection services)
    {
        services.AddOptions<StoreOptions>().BindConfiguration(StoreOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StoreOptions>, StoreOptionsValidator>();
        services.AddDbContextFactory<HubDbContext>((sp, builder) =>
        {
            var store = sp.GetRequiredService<IOptions<StoreOptions>>().Value;
            var connectionString = ConnectionString(store, sp.GetRequiredService<IOptions<HubOptions>>().Value);
            if (store.IsSqlite)
            {
                builder.UseSqlite(connectionString);
            }
            else
            {
                builder.UseNpgsql(connectionString);
            }
        });
        // Registered before the ingest writer and the broker, so the schema exists before they start.
        services.AddHostedService<StoreInitializer>();
        return services;
    }

    public static string ConnectionString(StoreOptions store, HubOptions hub) =>
        !string.IsNullOrWhiteSpace(store.ConnectionString)
            ? store.ConnectionString
            : $"Data Source={Path.Combine(hub.DataDirectory, "hub.db")}";
}

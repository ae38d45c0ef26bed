using EdgeAi.Hub.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Store;

/// <summary>Registers the fleet store: options, a context factory for the chosen provider, schema creation at start.</summary>
internal static class StoreExtensions
{
    public static IHostApplicationBuilder AddHubStore(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<StoreOptions>().BindConfiguration(StoreOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StoreOptions>, StoreOptionsValidator>();
        services.AddDbContextFactory<HubDbContext>((sp, options) =>
        {
            var store = sp.GetRequiredService<IOptions<StoreOptions>>().Value;
            var connectionString = ConnectionString(store, sp.GetRequiredService<IOptions<HubOptions>>().Value);
            if (store.IsSqlite)
            {
                options.UseSqlite(connectionString);
            }
            else
            {
                options.UseNpgsql(connectionString);
            }
        });
        services.AddSingleton<StoreInitializer>();
        services.AddHostedService(sp => sp.GetRequiredService<StoreInitializer>());
        return builder;
    }

    public static string ConnectionString(StoreOptions store, HubOptions hub) =>
        !string.IsNullOrWhiteSpace(store.ConnectionString)
            ? store.ConnectionString
            : $"Data Source={Path.Combine(hub.DataDirectory, "hub.db")}";
}

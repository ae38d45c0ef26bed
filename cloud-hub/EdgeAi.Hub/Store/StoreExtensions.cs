using EdgeAi.Hub.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Store;

/// <summary>Registers the fleet store: options, a context factory for the chosen provider, migrations at start.</summary>
internal static class StoreExtensions
{
    public static IHostApplicationBuilder AddHubStore(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddHubStoreServices();
        builder.Services.AddSingleton<StoreInitializer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StoreInitializer>());
        return builder;
    }

    /// <summary>The store without its start-up step: what <c>cloud-hub db</c> needs.</summary>
    public static IServiceCollection AddHubStoreServices(this IServiceCollection services)
    {
        services.AddOptions<StoreOptions>().BindConfiguration(StoreOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StoreOptions>, StoreOptionsValidator>();
        services.AddSingleton<IDbContextFactory<HubDbContext>, HubDbContextFactory>();
        services.AddSingleton<StoreMigrator>();
        return services;
    }

    public static string ConnectionString(StoreOptions store, HubOptions hub) =>
        !string.IsNullOrWhiteSpace(store.ConnectionString)
            ? store.ConnectionString
            : $"Data Source={Path.Combine(hub.DataDirectory, "hub.db")}";
}

using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Leadership;

/// <summary>Registers the leader lease: a row in PostgreSQL shared by the replicas, or held for good by the one hub on SQLite.</summary>
internal static class LeadershipExtensions
{
    public static IHostApplicationBuilder AddLeadership(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<LeaseOptions>().BindConfiguration(LeaseOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LeaseOptions>, LeaseOptionsValidator>();
        services.AddSingleton<ILeaseStore>(sp => sp.GetRequiredService<IOptions<StoreOptions>>().Value.IsSqlite
            ? new SoleLeaseStore()
            : new SqlLeaseStore(sp.GetRequiredService<IDbContextFactory<HubDbContext>>(), postgres: true, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<LeaderLease>();
        services.AddHostedService(sp => sp.GetRequiredService<LeaderLease>());
        return builder;
    }
}

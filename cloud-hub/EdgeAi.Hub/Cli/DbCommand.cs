using System.CommandLine;
using System.Data.Common;
using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Store;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Cli;

/// <summary>
/// <c>cloud-hub db status|migrate</c>: the store's migrations, read and applied straight on the store
/// with the hub's own configuration (appsettings.json, EDGEAI_ variables, these options), no hub running.
/// </summary>
internal static class DbCommand
{
    public static Command Create()
    {
        var dataDir = new Option<string?>("--data-dir") { Description = "Data directory (its hub.db is the SQLite store). Default: Hub:DataDirectory." };
        var provider = new Option<string?>("--provider") { Description = "Store provider: sqlite or postgres. Default: Hub:Store:Provider (sqlite)." };
        var connection = new Option<string?>("--connection-string") { Description = "Store connection string. Default: Hub:Store:ConnectionString (SQLite: DATA/hub.db)." };
        var status = new Command("status", "List the store's migrations: applied and pending, by name.") { dataDir, provider, connection };
        status.SetAction((parse, cancellationToken) => RunAsync(parse, Settings(parse, dataDir, provider, connection), StatusAsync, cancellationToken));
        var migrate = new Command("migrate", "Apply the pending migrations (adopting a store the previous release made) and list what was applied.") { dataDir, provider, connection };
        migrate.SetAction((parse, cancellationToken) => RunAsync(parse, Settings(parse, dataDir, provider, connection), MigrateAsync, cancellationToken));
        return new Command("db", "The hub's store: migration status, and applying migrations (what a hub with Hub:Store:MigrateOnStart=false needs).") { status, migrate };
    }

    private static async Task StatusAsync(StoreMigrator migrator, TextWriter output, CancellationToken cancellationToken)
    {
        var status = await migrator.StatusAsync(cancellationToken).ConfigureAwait(false);
        foreach (var name in status.Applied)
        {
            await output.WriteLineAsync($"applied  {name}").ConfigureAwait(false);
        }
        foreach (var name in status.Pending)
        {
            await output.WriteLineAsync($"pending  {name}").ConfigureAwait(false);
        }
        if (status.PreviousRelease)
        {
            await output.WriteLineAsync($"the store was made by the previous release (no migration history): 'cloud-hub db migrate' adopts it as {StoreMigrator.InitialCreate}, keeping its rows").ConfigureAwait(false);
        }
        await output.WriteLineAsync(status.Pending.Count == 0
            ? $"up to date: {status.Applied.Count} applied, none pending"
            : $"{status.Applied.Count} applied, {status.Pending.Count} pending: run 'cloud-hub db migrate'").ConfigureAwait(false);
    }

    private static async Task MigrateAsync(StoreMigrator migrator, TextWriter output, CancellationToken cancellationToken)
    {
        var result = await migrator.MigrateAsync(cancellationToken).ConfigureAwait(false);
        if (result.Adopted is { } adopted)
        {
            await output.WriteLineAsync($"adopted  {adopted} (the previous release's store, rows kept)").ConfigureAwait(false);
        }
        foreach (var name in result.Applied)
        {
            await output.WriteLineAsync($"applied  {name}").ConfigureAwait(false);
        }
        await output.WriteLineAsync(result.Applied.Count == 0 && result.Adopted is null
            ? "nothing to apply: the store is up to date"
            : $"done: {result.Applied.Count} applied").ConfigureAwait(false);
    }

    private static Dictionary<string, string?> Settings(ParseResult parse, Option<string?> dataDir, Option<string?> provider, Option<string?> connection)
    {
        // The hub's informational logs (EF Core's SQL, migration steps) would interleave with the listing.
        var settings = new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning" };
        if (parse.GetValue(dataDir) is { } d)
        {
            settings["Hub:DataDirectory"] = Path.GetFullPath(d);
        }
        if (parse.GetValue(provider) is { } p)
        {
            settings[$"{StoreOptions.Section}:Provider"] = p;
        }
        if (parse.GetValue(connection) is { } c)
        {
            settings[$"{StoreOptions.Section}:ConnectionString"] = c;
        }
        return settings;
    }

    private static async Task<int> RunAsync(
        ParseResult parse, Dictionary<string, string?> settings, Func<StoreMigrator, TextWriter, CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        var error = parse.InvocationConfiguration.Error;
        var builder = HubHost.CreateBuilder(settings);
        builder.Services.AddOptions<HubOptions>().BindConfiguration(HubOptions.Section);
        builder.Services.AddHubStoreServices();
        var app = builder.Build();
        await using (app.ConfigureAwait(false))
        {
            try
            {
                // Validated here, as the hub validates them at start.
                var store = app.Services.GetRequiredService<IOptions<StoreOptions>>().Value;
                await parse.InvocationConfiguration.Output.WriteLineAsync($"store: {store.Provider.ToLowerInvariant()}").ConfigureAwait(false);
                await action(app.Services.GetRequiredService<StoreMigrator>(), parse.InvocationConfiguration.Output, cancellationToken).ConfigureAwait(false);
                return 0;
            }
            catch (OptionsValidationException e)
            {
                await error.WriteLineAsync($"cloud-hub: invalid configuration: {string.Join("; ", e.Failures)}").ConfigureAwait(false);
                return 2;
            }
            catch (Exception e) when (e is DbException or IOException or InvalidOperationException)
            {
                // EF Core wraps the provider's reason ("Failed to connect to 127.0.0.1:5432") in a generic retry message.
                var first = e.InnerException ?? e;
                var last = first;
                while (last.InnerException is { } deeper)
                {
                    last = deeper;
                }
                var why = ReferenceEquals(first, last) ? first.Message : $"{first.Message} ({last.Message})";
                await error.WriteLineAsync($"cloud-hub: cannot reach the store: {why}").ConfigureAwait(false);
                return 1;
            }
        }
    }
}

using System.CommandLine;
using EdgeAi.Common.Diagnostics;
using EdgeAi.Hub.Broker;
using EdgeAi.Hub.Diagnostics;
using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Store;
using EdgeAi.Serving.Diagnostics;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Cli;

/// <summary>
/// <c>cloud-hub check</c>: configuration, store and migrations, broker, TLS certificate, model-signing
/// key and disk, one line each (OK / WARN / FAIL with the fix). Exit 0 with no FAIL, 1 with any, 2 when
/// the configuration files cannot be read. The hub's services are composed but not built into a web
/// host: that would issue a certificate, and a check changes nothing.
/// </summary>
internal static class CheckCommand
{
    private const string Sections = "Hub, Hub:Store, Hub:Mqtt, Hub:Batching, Hub:Registry, Hub:Deployments, …";
    private const string ConfigurationFix = "correct the key named above in appsettings.json or an EDGEAI_ environment variable";

    public static Command Create()
    {
        var dataDir = new Option<string?>("--data-dir") { Description = "Data directory. Default: Hub:DataDirectory." };
        var json = new Option<bool>("--json") { Description = "One JSON document: {status, checks: [{id, status, message, fix}]}." };
        var command = new Command("check", "Check the configuration, store, broker, TLS certificate, signing key and disk; exit 1 if any check fails.") { dataDir, json };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, parse.GetValue(dataDir), parse.GetValue(json), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, string? dataDir, bool json, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning" };
        if (dataDir is not null)
        {
            settings["Hub:DataDirectory"] = Path.GetFullPath(dataDir);
        }
        IReadOnlyList<CheckResult> results;
        try
        {
            var web = HubHost.CreateBuilder(settings);
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
            builder.Configuration.AddConfiguration(web.Configuration);
            builder.AddCloudHub();
            using var host = builder.Build();
            results = await CheckReport.RunAsync(Checks(host.Services), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"cloud-hub check: the configuration cannot be read: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        await parse.InvocationConfiguration.Output.WriteAsync(json ? CheckReport.Json(results) : CheckReport.Text(results)).ConfigureAwait(false);
        return CheckReport.ExitCode(results);
    }

    private static IEnumerable<(string, IDiagnosticCheck)> Checks(IServiceProvider services)
    {
        var configuration = new ConfigurationCheck(services, Sections, ConfigurationFix);
        yield return (ConfigurationCheck.Id, configuration);
        if (ConfigurationCheck.Failures(services).Count > 0)
        {
            yield break;
        }
        var hub = services.GetRequiredService<IOptions<HubOptions>>().Value;
        yield return ("data-directory", new DataDirectoryCheck("data-directory", hub.DataDirectory, "set Hub:DataDirectory or pass --data-dir"));
        var store = services.GetRequiredService<IOptions<StoreOptions>>().Value;
        yield return (StoreCheck.Id, new StoreCheck(services.GetRequiredService<StoreMigrator>(), store.Provider.ToLowerInvariant(), store.MigrateOnStart));
        yield return (BrokerCheck.Id, new BrokerCheck(services.GetRequiredService<IOptions<MqttOptions>>().Value, hub.ListenAddress));
        yield return (CertificateCheck.Id, new CertificateCheck(hub, services.GetRequiredService<TimeProvider>()));
        yield return (SigningKeyCheck.Id, new SigningKeyCheck(hub.DataDirectory));
    }
}

using System.CommandLine;
using EdgeAi.Agent.Cloud;
using EdgeAi.Agent.Diagnostics;
using EdgeAi.Agent.Gpio;
using EdgeAi.Agent.Hosting;
using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.Uplink;
using EdgeAi.Common.Diagnostics;
using EdgeAi.Serving.Diagnostics;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Cli;

/// <summary>
/// <c>edge-agent check</c>: what stands between this device and a working agent, one line per check
/// (OK / WARN / FAIL with the fix). Exit 0 with no FAIL, 1 with any, 2 when the configuration files
/// themselves cannot be read. Nothing is started and nothing is changed.
/// </summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "One JSON document: {status, checks: [{id, status, message, fix}]}." };
        var broker = new Option<string?>("--broker") { Description = "As for 'run': the broker to check (mqtts://hub:8883). Default: Uplink:BrokerUrl." };
        var command = new Command("check", "Check the configuration, data directory, outbox, models, GPIO, hub, broker and enrollment; exit 1 if any check fails.") { json, broker };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, parse.GetValue(json), parse.GetValue(broker), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, bool json, string? broker, CancellationToken cancellationToken)
    {
        IReadOnlyList<CheckResult> results;
        var overrides = AgentCli.Overrides(parse);
        if (broker is not null)
        {
            overrides["Uplink:BrokerUrl"] = broker;
        }
        try
        {
            var app = AgentHost.Build(overrides);
            await using (app.ConfigureAwait(false))
            {
                results = await CheckReport.RunAsync(Checks(app.Services), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"edge-agent check: the configuration cannot be read: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        catch (Exception e) when (e is InvalidOperationException or OptionsValidationException)
        {
            // Building the host binds some sections already (the listeners'): a value of the wrong type stops it there.
            results = await CheckReport.RunAsync(Unbuilt(e.Message, AgentCli.DataDirectoryOf(AgentCli.LocalConfiguration(parse))), cancellationToken).ConfigureAwait(false);
        }
        await parse.InvocationConfiguration.Output.WriteAsync(json ? CheckReport.Json(results) : CheckReport.Text(results)).ConfigureAwait(false);
        return CheckReport.ExitCode(results);
    }

    /// <summary>
    /// The checks in report order. With an invalid configuration only those that need no options run. In the
    /// running agent (<paramref name="live"/>, a support bundle it makes) <see cref="LiveSkipped"/> are left out.
    /// </summary>
    internal static IEnumerable<(string, IDiagnosticCheck)> Checks(IServiceProvider services, bool live = false)
    {
        var failures = ConfigurationCheck.Failures(services);
        if (failures.Count > 0)
        {
            foreach (var check in Unbuilt(string.Join("; ", failures), AgentCli.DataDirectoryOf(services.GetRequiredService<IConfiguration>())))
            {
                yield return check;
            }
            yield break;
        }
        yield return (ConfigurationCheck.Id, new ConfigurationCheck(services, Sections, ConfigurationFix));
        var dataDirectory = services.GetRequiredService<IOptions<AgentOptions>>().Value.DataDirectory;
        yield return (DataDirectory, new DataDirectoryCheck(DataDirectory, dataDirectory, DataDirectoryFix));
        yield return (IdentityCheck.Id, new IdentityCheck(dataDirectory));
        var time = services.GetRequiredService<TimeProvider>();
        var cloud = services.GetRequiredService<IOptions<CloudOptions>>().Value;
        var outbox = services.GetRequiredService<IOptions<OutboxOptions>>().Value;
        yield return (OutboxCheck.Id, new OutboxCheck(Path.Combine(dataDirectory, outbox.FileName), outbox, dataDirectory));
        if (live)
        {
            yield return (GpioCheck.Id, new GpioCheck(services.GetRequiredService<IOptions<GpioOptions>>().Value));
            yield return (HubCheck.Id, new HubCheck(cloud, time));
            yield break;
        }
        // A factory of its own, not the host's: its provider-skip logs would interleave with the report.
        yield return (ModelLoadCheck.Id, new ModelLoadCheck(services.GetRequiredService<ModelStore>(),
            new SessionFactory(services.GetRequiredService<IOptions<ModelHostOptions>>(), NullLogger<SessionFactory>.Instance)));
        yield return (GpioCheck.Id, new GpioCheck(services.GetRequiredService<IOptions<GpioOptions>>().Value));
        yield return (HubCheck.Id, new HubCheck(cloud, time));
        yield return (BrokerCheck.Id, new BrokerCheck(services.GetRequiredService<IOptions<UplinkOptions>>().Value, cloud,
            services.GetRequiredService<IOptions<AgentOptions>>().Value.DeviceId));
    }

    /// <summary>
    /// What a running agent does not check on itself: the broker probe connects with the agent's own MQTT client
    /// id (taking its connection over), and loading every model again would double their memory beside the loaded ones.
    /// </summary>
    internal static IReadOnlyList<(string Id, string Reason)> LiveSkipped { get; } =
    [
        (ModelLoadCheck.Id, "not loaded again beside the running sessions: models.json has each loaded version's state and execution provider"),
        (BrokerCheck.Id, "the probe would take over the running agent's MQTT connection (same client id); the hub's request came over that connection"),
    ];

    private const string DataDirectory = "data-directory";
    private const string Sections = "Agent, ModelHost, Cloud, Uplink, Outbox, Routing, Telemetry, Gpio, Rules, Pipelines, …";
    private const string ConfigurationFix = "correct the key named above in appsettings.json, an EDGEAI_ environment variable or the hub's desired configuration";
    private const string DataDirectoryFix = "set Agent:DataDirectory or pass --data-dir";

    /// <summary>An invalid configuration: its FAIL, the checks that need only the data directory, and a note of what was not checked.</summary>
    internal static IEnumerable<(string, IDiagnosticCheck)> Unbuilt(string failure, string dataDirectory)
    {
        yield return (ConfigurationCheck.Id, new Fixed(CheckResult.Fail(ConfigurationCheck.Id, failure, ConfigurationFix)));
        yield return (DataDirectory, new DataDirectoryCheck(DataDirectory, dataDirectory, DataDirectoryFix));
        yield return (IdentityCheck.Id, new IdentityCheck(dataDirectory));
        yield return ("skipped", new Fixed(CheckResult.Warn("skipped", "outbox, models, gpio, hub and broker were not checked: the configuration is invalid",
            "fix the configuration, then run edge-agent check again")));
    }

    private sealed class Fixed(CheckResult result) : IDiagnosticCheck
    {
        public Task<IReadOnlyList<CheckResult>> RunAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<CheckResult>>([result]);
    }
}

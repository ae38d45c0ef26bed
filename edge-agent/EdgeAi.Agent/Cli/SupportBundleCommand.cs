using System.CommandLine;
using System.Globalization;
using EdgeAi.Agent.Hosting;
using EdgeAi.Agent.Support;
using EdgeAi.Common.Diagnostics;
using EdgeAi.Serving.Diagnostics;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Cli;

/// <summary>
/// <c>edge-agent support-bundle</c>: one .tar.gz with what support asks for first (check results, the
/// configuration with secrets redacted, the recent log, outbox and model-store summaries), made from the
/// files on disk, so it works whether the agent is running or not. Exit 0 when written (whatever the checks
/// found: a bundle is most wanted when they fail), 1 when it could not be written, 2 when the configuration
/// files cannot be read.
/// </summary>
internal static class SupportBundleCommand
{
    public static Command Create()
    {
        var output = new Option<string?>("--output", "-o") { Description = "The archive to write. Default: edgeai-support-DEVICE-TIME.tar.gz in the current directory." };
        var broker = new Option<string?>("--broker") { Description = "As for 'check': the broker to check (mqtts://hub:8883). Default: Uplink:BrokerUrl." };
        var command = new Command("support-bundle", "Write a support bundle (.tar.gz): check results, configuration (secrets redacted), recent logs, outbox and model-store summaries.") { output, broker };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, parse.GetValue(output), parse.GetValue(broker), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, string? output, string? broker, CancellationToken cancellationToken)
    {
        var overrides = AgentCli.Overrides(parse);
        if (broker is not null)
        {
            overrides["Uplink:BrokerUrl"] = broker;
        }
        BundleSources sources;
        try
        {
            var app = AgentHost.Build(overrides);
            await using (app.ConfigureAwait(false))
            {
                var checks = await CheckReport.RunAsync(CheckCommand.Checks(app.Services), cancellationToken).ConfigureAwait(false);
                sources = ConfigurationCheck.Failures(app.Services).Count == 0
                    ? BundleSourcesOf.Services(app.Services, BundleMaker.Cli, null, checks, [])
                    : BundleSourcesOf.Disk(app.Services.GetRequiredService<IConfiguration>(), AgentCli.DataDirectoryOf(app.Services.GetRequiredService<IConfiguration>()), checks);
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"edge-agent support-bundle: the configuration cannot be read: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        catch (Exception e) when (e is InvalidOperationException or OptionsValidationException)
        {
            // As for check: the host could not be built, so the bundle is made from the local files.
            var configuration = AgentCli.LocalConfiguration(parse);
            var dataDirectory = AgentCli.DataDirectoryOf(configuration);
            var checks = await CheckReport.RunAsync(CheckCommand.Unbuilt(e.Message, dataDirectory), cancellationToken).ConfigureAwait(false);
            sources = BundleSourcesOf.Disk(configuration, dataDirectory, checks);
        }
        var now = TimeProvider.System.GetUtcNow();
        var path = Path.GetFullPath(output ?? $"edgeai-support-{sources.DeviceId}-{now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.tar.gz");
        try
        {
            var entries = await WriteAsync(path, sources, now, cancellationToken).ConfigureAwait(false);
            await parse.InvocationConfiguration.Output.WriteLineAsync(
                $"wrote {path} ({new FileInfo(path).Length / 1024.0:0.#} KiB): {string.Join(", ", entries.Select(e => e.Name))}").ConfigureAwait(false);
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"edge-agent support-bundle: cannot write {path}: {e.Message} (pass --output with a writable path)").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>Written beside the target and moved into place, so a cut never leaves half an archive under the name asked for.</summary>
    private static async Task<IReadOnlyList<BundleEntry>> WriteAsync(string path, BundleSources sources, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var part = path + ".part";
        try
        {
            IReadOnlyList<BundleEntry> entries;
            var file = new FileStream(part, FileMode.Create, FileAccess.Write, FileShare.None);
            await using (file.ConfigureAwait(false))
            {
                entries = await SupportBundle.WriteAsync(file, sources, now, cancellationToken).ConfigureAwait(false);
            }
            File.Move(part, path, overwrite: true);
            return entries;
        }
        finally
        {
            File.Delete(part);
        }
    }
}

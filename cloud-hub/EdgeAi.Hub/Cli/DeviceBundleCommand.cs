using System.CommandLine;
using System.Globalization;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Support;

namespace EdgeAi.Hub.Cli;

/// <summary>
/// <c>cloud-hub devices bundle ID [--output FILE] [--timeout 2m] [--request REQ]</c>: asks a device for a support
/// bundle (over its commands topic), waits until the device has uploaded it (polling the admin API), and saves
/// it; and <c>cloud-hub devices bundles ID</c>, the device's bundles.
/// </summary>
internal static class DeviceBundleCommand
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public static Command Bundle()
    {
        var id = new Argument<string>("id") { Description = "The device id." };
        var output = new Option<string?>("--output", "-o") { Description = "Where to save the archive. Default: support-ID-REQUEST.tar.gz in the current directory." };
        var timeout = new Option<string>("--timeout") { Description = $"How long to wait for the device ({DurationSyntax.Forms}). Default: 2m.", DefaultValueFactory = _ => "2m" };
        var existing = new Option<string?>("--request") { Description = "Wait for and save a bundle asked for before (its request id, from 'cloud-hub devices bundles ID') instead of asking again." };
        var command = new Command("bundle", "Ask a device for a support bundle (logs, check results, configuration with secrets redacted, outbox and models), wait for it and save it.")
        {
            id, output, timeout, existing,
        };
        command.SetAction((parse, cancellationToken) => AdminCommandRunner.RunAsync(parse, async (client, writer, ct) =>
        {
            var deviceId = parse.GetRequiredValue(id);
            if (!DurationSyntax.TryParse(parse.GetValue(timeout), out var wait, out var error))
            {
                throw new AdminCommandException($"--timeout {error}");
            }
            var path = $"/api/devices/{ApiCalls.Escape(deviceId)}/bundles";
            SupportBundleInfo bundle;
            if (parse.GetValue(existing) is { } requestId)
            {
                bundle = await GetAsync(client, $"{path}/{ApiCalls.Escape(requestId)}", ct).ConfigureAwait(false);
            }
            else
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative));
                bundle = await AdminCommandRunner.SendAsync(client, request, SupportJson.Default.SupportBundleInfo, ct).ConfigureAwait(false);
                await writer.WriteLineAsync($"asked device {deviceId} for support bundle {bundle.RequestId}; waiting up to {wait}").ConfigureAwait(false);
            }
            bundle = await WaitAsync(client, $"{path}/{bundle.RequestId}", bundle, wait, ct).ConfigureAwait(false)
                ?? throw new AdminCommandException(
                    $"device {deviceId} did not send support bundle {bundle.RequestId} within {wait}: it may be offline. The request stays with the hub and the device sends it when it next connects; then run 'cloud-hub devices bundle {deviceId} --request {bundle.RequestId}'");
            var file = Path.GetFullPath(parse.GetValue(output) ?? $"support-{deviceId}-{bundle.RequestId}{SupportBundleStore.ArchiveExtension}");
            await DownloadAsync(client, $"{path}/{bundle.RequestId}/archive", file, ct).ConfigureAwait(false);
            await writer.WriteLineAsync($"saved {file} ({new FileInfo(file).Length / 1024.0:0.#} KiB, sha256 {bundle.Sha256})").ConfigureAwait(false);
        }, cancellationToken));
        return command;
    }

    public static Command List()
    {
        var id = new Argument<string>("id") { Description = "The device id." };
        var command = new Command("bundles", "List the support bundles asked of a device: requested (waiting for the device) or received.") { id };
        command.SetAction((parse, cancellationToken) => AdminCommandRunner.RunAsync(parse, async (client, output, ct) =>
        {
            var deviceId = parse.GetRequiredValue(id);
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/devices/{ApiCalls.Escape(deviceId)}/bundles", UriKind.Relative));
            var bundles = await AdminCommandRunner.SendAsync(client, request, SupportJson.Default.SupportBundleInfoArray, ct).ConfigureAwait(false);
            if (bundles.Length == 0)
            {
                await output.WriteLineAsync($"no support bundles for device {deviceId} (ask for one with 'cloud-hub devices bundle {deviceId}')").ConfigureAwait(false);
                return;
            }
            await output.WriteLineAsync($"{"REQUEST",-30} {"STATUS",-10} {"REQUESTED",-21} {"BY",-20} SIZE").ConfigureAwait(false);
            foreach (var b in bundles)
            {
                var size = b.SizeBytes is { } bytes ? $"{bytes / 1024.0:0.#} KiB" : "-";
                await output.WriteLineAsync($"{b.RequestId,-30} {b.Status,-10} {b.RequestedAt.ToString("u", CultureInfo.InvariantCulture),-21} {b.RequestedBy,-20} {size}").ConfigureAwait(false);
            }
        }, cancellationToken));
        return command;
    }

    /// <summary>Polls the bundle's status until it is received; null when <paramref name="wait"/> ran out first.</summary>
    private static async Task<SupportBundleInfo?> WaitAsync(HttpClient client, string path, SupportBundleInfo bundle, TimeSpan wait, CancellationToken cancellationToken)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(wait.TotalSeconds * TimeProvider.System.TimestampFrequency);
        using var timer = new PeriodicTimer(PollInterval, TimeProvider.System);
        while (bundle.Status != SupportBundleInfo.Received)
        {
            if (TimeProvider.System.GetTimestamp() >= deadline || !await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
            bundle = await GetAsync(client, path, cancellationToken).ConfigureAwait(false);
        }
        return bundle;
    }

    private static async Task<SupportBundleInfo> GetAsync(HttpClient client, string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        return await AdminCommandRunner.SendAsync(client, request, SupportJson.Default.SupportBundleInfo, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Saved beside the target and moved into place, so a cut download never leaves half an archive under the name asked for.</summary>
    private static async Task DownloadAsync(HttpClient client, string path, string file, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await AdminCommandRunner.EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var part = file + ".part";
        try
        {
            var target = new FileStream(part, FileMode.Create, FileAccess.Write, FileShare.None);
            await using (target.ConfigureAwait(false))
            {
                await response.Content.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
            }
            File.Move(part, file, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AdminCommandException($"cannot save {file}: {e.Message} (pass --output with a writable path)");
        }
        finally
        {
            File.Delete(part);
        }
    }
}

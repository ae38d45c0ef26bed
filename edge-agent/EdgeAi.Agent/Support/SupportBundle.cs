using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using EdgeAi.Agent.Logging;

namespace EdgeAi.Agent.Support;

/// <summary>One file of a bundle.</summary>
internal sealed record BundleEntry(string Name, byte[] Content, string Description);

/// <summary>
/// Writes a support bundle: one .tar.gz holding manifest.json, check.json, configuration.json (secrets
/// redacted), outbox.json, models.json and logs/ (the newest <see cref="MaxLogBytes"/> of the agent's log
/// files). A .tar.gz because it is written as a stream, straight into a file or an upload, and opened with
/// <c>tar xzf</c> on every system the agent runs on (Windows 10 and later ship tar too). Every text is
/// scrubbed of the secrets redaction took out of the configuration, logs included, so no secret leaves
/// the device in a bundle even where a message quoted one.
/// </summary>
internal static class SupportBundle
{
    /// <summary>The log lines a bundle carries at most: the newest, whole lines (the rotated files hold 3 MiB by default).</summary>
    public const int MaxLogBytes = 4 * 1024 * 1024;

    public static async Task<IReadOnlyList<BundleEntry>> WriteAsync(Stream output, BundleSources sources, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(sources);
        var entries = Entries(sources, now);
        var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true);
        await using (gzip.ConfigureAwait(false))
        {
            var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true);
            await using (tar.ConfigureAwait(false))
            {
                foreach (var file in entries)
                {
                    using var data = new MemoryStream(file.Content, writable: false);
                    var entry = new PaxTarEntry(TarEntryType.RegularFile, file.Name)
                    {
                        DataStream = data,
                        ModificationTime = now,
                        Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead,
                    };
                    await tar.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        return entries;
    }

    /// <summary>The bundle's files, scrubbed, manifest first.</summary>
    public static IReadOnlyList<BundleEntry> Entries(BundleSources sources, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var (values, secrets) = ConfigurationRedaction.Redact(sources.Configuration);
        var (logs, truncated) = Logs(sources.LogDirectory, sources.LogFiles);
        List<BundleEntry> entries =
        [
            new("check.json", BundleDocuments.Check(sources), sources.Maker == BundleMaker.Agent
                ? "the check command's results, as the running agent ran them (checks that would disturb it are listed as skipped)"
                : "the check command's results"),
            new("configuration.json", BundleDocuments.Configuration(values), "the effective configuration, every key with a value, secrets redacted"),
            new("outbox.json", BundleDocuments.Outbox(sources, now), "the outbox: per stream depth and oldest record's age, file sizes"),
            new("models.json", BundleDocuments.Models(sources), "the model store: installed versions, sizes, sha256, variant; state and execution provider when loaded"),
            .. logs,
        ];
        entries = [.. entries.Select(e => e with { Content = Scrub(e.Content, secrets) })];
        var manifest = Scrub(BundleDocuments.Manifest(sources, now, entries, truncated), secrets);
        return [new BundleEntry("manifest.json", manifest, "agent version, device id, time, OS and runtime, and what each file is"), .. entries];
    }

    /// <summary>The log files oldest first, trimmed from the front to the newest <see cref="MaxLogBytes"/> (at a line start).</summary>
    private static (IReadOnlyList<BundleEntry> Files, bool Truncated) Logs(string directory, int files)
    {
        var budget = (long)MaxLogBytes;
        var truncated = false;
        var kept = new List<BundleEntry>();
        foreach (var path in LogFiles.Existing(directory, files).Reverse())
        {
            if (budget <= 0)
            {
                truncated = true;
                break;
            }
            var content = ReadTail(path, budget, out var cut);
            truncated |= cut;
            if (content.Length == 0 && cut)
            {
                break; // not one whole line fits
            }
            budget -= content.Length;
            kept.Add(new BundleEntry("logs/" + Path.GetFileName(path), content, cut ? "the agent's log, its newest lines" : "the agent's log"));
        }
        kept.Reverse();
        return (kept, truncated);
    }

    private static byte[] ReadTail(string path, long max, out bool cut)
    {
        try
        {
            // The agent may be appending: share the file, and read what is there now.
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = file.Length;
            cut = length > max;
            file.Position = cut ? length - max : 0;
            var buffer = new byte[Math.Min(length, max)];
            // Rotated away meanwhile: keep what was read.
            buffer = buffer[..file.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false)];
            if (!cut)
            {
                return buffer;
            }
            var newline = Array.IndexOf(buffer, (byte)'\n');
            return newline < 0 ? [] : buffer[(newline + 1)..];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            cut = false;
            return Encoding.UTF8.GetBytes($"(the log file {path} could not be read: {e.Message})\n");
        }
    }

    private static byte[] Scrub(byte[] content, IReadOnlySet<string> secrets) =>
        secrets.Count == 0 ? content : Encoding.UTF8.GetBytes(ConfigurationRedaction.Scrub(Encoding.UTF8.GetString(content), secrets));
}

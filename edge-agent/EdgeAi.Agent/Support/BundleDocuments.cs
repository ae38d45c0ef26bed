using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using EdgeAi.Agent.Hosting;
using EdgeAi.Agent.Outbox;
using EdgeAi.Common.Diagnostics;
using EdgeAi.Common.Sync;

namespace EdgeAi.Agent.Support;

/// <summary>The JSON documents of a support bundle, written with Utf8JsonWriter (the agent is trimmed).</summary>
internal static class BundleDocuments
{
    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>check.json: the check command's results, and the checks a running agent leaves out.</summary>
    public static byte[] Check(BundleSources sources) => Write(json =>
    {
        json.WriteString("status", CheckReport.Label(sources.Checks.Count == 0 ? CheckStatus.Ok : sources.Checks.Max(r => r.Status)).ToLowerInvariant());
        json.WriteStartArray("checks");
        foreach (var result in sources.Checks)
        {
            json.WriteStartObject();
            json.WriteString("id", result.Id);
            json.WriteString("status", CheckReport.Label(result.Status).ToLowerInvariant());
            json.WriteString("message", result.Message);
            json.WriteString("fix", result.Status == CheckStatus.Ok ? null : result.Fix);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("skipped");
        foreach (var skipped in sources.SkippedChecks)
        {
            json.WriteStartObject();
            json.WriteString("id", skipped.Id);
            json.WriteString("status", "skipped");
            json.WriteString("reason", skipped.Reason);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    });

    /// <summary>configuration.json: every key with a value, secrets redacted.</summary>
    public static byte[] Configuration(IReadOnlyList<KeyValuePair<string, string>> values) => Write(json =>
    {
        json.WriteString("redacted", $"values of keys naming a key, password, secret, token or credential, connection-string passwords and URL user-info are shown as {ConfigurationRedaction.Redacted}");
        json.WriteStartObject("values");
        foreach (var (key, value) in values)
        {
            json.WriteString(key, value);
        }
        json.WriteEndObject();
    });

    /// <summary>outbox.json: per stream depth, oldest record's age and counters, and the file's size.</summary>
    public static byte[] Outbox(BundleSources sources, DateTimeOffset now) => Write(json =>
    {
        json.WriteString("path", sources.OutboxPath);
        json.WriteNumber("fileBytes", FileBytes(sources.OutboxPath));
        json.WriteNumber("logFileBytes", FileBytes(OutboxFileReader.LogPathFor(sources.OutboxPath)));
        json.WriteString("source", sources.LiveOutbox is null ? "file (read by the CLI)" : "the running agent");
        if (sources.LiveOutbox is { } outbox)
        {
            json.WriteNumber("totalDepth", outbox.TotalDepth);
            json.WriteNumber("resets", outbox.Resets);
            json.WriteString("lastResetReason", outbox.ResetReason);
            json.WriteStartArray("streams");
            foreach (var stream in SyncTopics.Streams)
            {
                var stats = outbox.Stats(stream);
                DateTimeOffset? oldest = stats.Depth > 0 && outbox.Peek(stream, 1) is [var first, ..] ? first.CreatedAt : null;
                json.WriteStartObject();
                json.WriteString("stream", stream);
                json.WriteNumber("depth", stats.Depth);
                WriteOldest(json, oldest, now);
                json.WriteNumber("nextSequence", stats.NextSequence);
                json.WriteNumber("dropped", stats.Dropped);
                json.WriteNumber("refused", stats.Refused);
                json.WriteNumber("expired", stats.Expired);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            return;
        }
        WriteScanned(json, sources.OutboxPath, now);
    });

    /// <summary>models.json: installed versions with size, sha256, variant and source; in the running agent also state and provider.</summary>
    public static byte[] Models(BundleSources sources) => Write(json =>
    {
        var loaded = sources.LiveHost?.Models ?? [];
        json.WriteString("root", sources.Models.Root);
        json.WriteStartArray("models");
        foreach (var model in sources.Models.List())
        {
            json.WriteStartObject();
            json.WriteString("name", model.Name);
            json.WriteString("version", model.Version);
            json.WriteBoolean("active", string.Equals(sources.Models.ReadActive(model.Name), model.Version, StringComparison.Ordinal));
            if (model.Manifest is { } manifest)
            {
                json.WriteString("variant", manifest.Variant);
                json.WriteNumber("sizeBytes", manifest.SizeBytes);
                json.WriteString("sha256", manifest.Sha256);
                json.WriteString("installedAt", manifest.InstalledAt);
                json.WriteString("source", manifest.Source);
            }
            json.WriteString("error", model.Error);
            if (loaded.FirstOrDefault(m => m.Name == model.Name && m.Version == model.Version) is { } instance)
            {
                json.WriteString("state", instance.State.ToString());
                json.WriteString("executionProvider", instance.ExecutionProvider);
                json.WriteString("failureReason", instance.FailureReason);
                json.WriteStartArray("skippedProviders");
                foreach (var skipped in instance.SkippedProviders)
                {
                    json.WriteStringValue($"{skipped.Provider}: {skipped.Reason}");
                }
                json.WriteEndArray();
            }
            else
            {
                json.WriteString("state", sources.LiveHost is null ? "not loaded by the CLI (check.json says which provider each loads on)" : "not loaded");
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
    });

    /// <summary>manifest.json: who made the bundle, when, on what, and what each file is.</summary>
    public static byte[] Manifest(BundleSources sources, DateTimeOffset createdAt, IReadOnlyList<BundleEntry> entries, bool logsTruncated) => Write(json =>
    {
        json.WriteNumber("format", 1);
        json.WriteString("agentVersion", AgentHost.Version);
        json.WriteString("deviceId", sources.DeviceId);
        json.WriteString("createdAt", createdAt);
        json.WriteString("madeBy", sources.Maker == BundleMaker.Agent ? "agent" : "cli");
        json.WriteString("requestId", sources.RequestId);
        json.WriteString("os", RuntimeInformation.OSDescription);
        json.WriteString("architecture", RuntimeInformation.OSArchitecture.ToString());
        json.WriteString("runtime", RuntimeInformation.FrameworkDescription);
        json.WriteString("dataDirectory", sources.DataDirectory);
        json.WriteNumber("maxLogBytes", SupportBundle.MaxLogBytes);
        json.WriteBoolean("logsTruncated", logsTruncated);
        json.WriteStartArray("files");
        foreach (var entry in entries)
        {
            json.WriteStartObject();
            json.WriteString("name", entry.Name);
            json.WriteNumber("bytes", entry.Content.Length);
            json.WriteString("description", entry.Description);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    });

    /// <summary>The CLI's view: the file read page by page, read-only (a running agent may have it open), as <c>check</c> reads it.</summary>
    private static void WriteScanned(Utf8JsonWriter json, string path, DateTimeOffset now)
    {
        using var reader = File.Exists(path) ? OutboxFileReader.Open(path) : null;
        if (reader is null)
        {
            json.WriteString("problem", File.Exists(path) ? "the file cannot be opened" : "no outbox yet");
            return;
        }
        json.WriteBoolean("healthy", reader.Scan.IsHealthy);
        json.WriteStartArray("problems");
        foreach (var problem in reader.Scan.Problems.Take(10))
        {
            json.WriteStringValue(problem);
        }
        json.WriteEndArray();
        json.WriteStartArray("streams");
        foreach (var collection in reader.Scan.Collections.Values.Where(c => c.Name.StartsWith("s_", StringComparison.Ordinal)).OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            var first = reader.ReadDocuments(collection).FirstOrDefault();
            DateTimeOffset? oldest = first is not null && first.TryGetValue("at", out var at) && at.IsInt64 && at.AsInt64 is >= 0 and <= 3155378975999999999
                ? new DateTimeOffset(at.AsInt64, TimeSpan.Zero) : null;
            json.WriteStartObject();
            json.WriteString("stream", collection.Name[2..]);
            json.WriteNumber("depth", collection.Documents);
            WriteOldest(json, oldest, now);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteOldest(Utf8JsonWriter json, DateTimeOffset? oldest, DateTimeOffset now)
    {
        if (oldest is { } at)
        {
            json.WriteString("oldestCreatedAt", at);
            json.WriteNumber("oldestAgeSeconds", Math.Max(0, Math.Round((now - at).TotalSeconds, 1)));
        }
        else
        {
            json.WriteNull("oldestCreatedAt");
            json.WriteNull("oldestAgeSeconds");
        }
    }

    private static long FileBytes(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }
}

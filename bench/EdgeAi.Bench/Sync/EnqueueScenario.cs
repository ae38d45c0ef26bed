using System.Diagnostics;
using System.Security.Cryptography;
using EdgeAi.Agent.Outbox;
using EdgeAi.Common.Sync;
using Google.Protobuf;

namespace EdgeAi.Bench.Sync;

/// <summary>One batch size's durable enqueue rate.</summary>
internal sealed record EnqueueResult(int BatchSize, int Records, TimeSpan Elapsed, long FileBytes)
{
    public double RecordsPerSecond => Records / Elapsed.TotalSeconds;
}

/// <summary>
/// Durable enqueue: records appended to a fresh outbox file through <see cref="DurableOutbox.Append(string, IReadOnlyList{byte[]})"/>,
/// each call one LiteDB transaction, the way the agent's producers append. Every call commits to the file's log before it returns.
/// </summary>
internal static class EnqueueScenario
{
    /// <summary>A realistic record: one sampled inference, serialized as it is stored.</summary>
    public static byte[] SampleRecord(int i) => new InferenceRecord
    {
        Model = "resnet18",
        Version = "3",
        ServedBy = i % 10 == 0 ? "cloud" : "local",
        FallbackReason = i % 10 == 0 ? "overloaded" : "",
        LatencyMs = 9.4 + (i % 7),
        Status = "OK",
        ExecutionProvider = "CPU",
    }.ToByteArray();

    /// <summary>Encryption as an enrolled device has it, with a fresh key; or none.</summary>
    public static OutboxEncryption? Encryption(bool encrypted) =>
        encrypted ? new OutboxEncryption(true, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))) : null;

    public static EnqueueResult Run(string directory, int batchSize, int records, OutboxEncryption? encryption = null)
    {
        var path = Path.Combine(directory, $"enqueue-{batchSize}.db");
        var payloads = Enumerable.Range(0, batchSize).Select(SampleRecord).ToArray();
        var options = new OutboxOptions { MaxTotalRecords = 100_000_000 };
        options.Streams[SyncTopics.Inference] = new OutboxStreamOptions { MaxRecords = 100_000_000 };
        using (var outbox = DurableOutbox.Open(path, options, TimeProvider.System, encryption: encryption))
        {
            outbox.Append(SyncTopics.Inference, payloads); // first write creates the collection: not part of the rate
            var calls = records / batchSize;
            var stopwatch = Stopwatch.StartNew();
            for (var i = 0; i < calls; i++)
            {
                outbox.Append(SyncTopics.Inference, payloads);
            }
            stopwatch.Stop();
            var size = new FileInfo(path).Length + (File.Exists(LogPath(path)) ? new FileInfo(LogPath(path)).Length : 0);
            return new EnqueueResult(batchSize, calls * batchSize, stopwatch.Elapsed, size);
        }
    }

    /// <summary>Fills an outbox file with a backlog, as a device that was offline for a long time has one.</summary>
    public static void Fill(string path, int records, string stream = SyncTopics.Inference, OutboxEncryption? encryption = null)
    {
        var options = new OutboxOptions { MaxTotalRecords = 100_000_000 };
        options.Streams[stream] = new OutboxStreamOptions { MaxRecords = 100_000_000 };
        using var outbox = DurableOutbox.Open(path, options, TimeProvider.System, encryption: encryption);
        var payloads = Enumerable.Range(0, 1000).Select(SampleRecord).ToArray();
        for (var done = 0; done < records; done += payloads.Length)
        {
            outbox.Append(stream, payloads.AsSpan(0, Math.Min(payloads.Length, records - done)).ToArray());
        }
        outbox.Checkpoint();
    }

    private static string LogPath(string path) =>
        Path.Combine(Path.GetDirectoryName(path)!, Path.GetFileNameWithoutExtension(path) + "-log" + Path.GetExtension(path));
}

using EdgeAi.Common.Sync;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Outbox;

/// <summary>What a stream does when it is full.</summary>
internal enum OnFull
{
    /// <summary>Drop the stream's oldest record to make room, and count the drop (telemetry).</summary>
    DropOldest,

    /// <summary>Refuse the new record and count the refusal.</summary>
    Refuse,

    /// <summary>Never drop: evict droppable streams' oldest records first, and past that grow beyond the cap (status, reported state).</summary>
    Keep,
}

/// <summary>Whether the outbox file is encrypted at rest.</summary>
internal enum OutboxEncryptionMode
{
    /// <summary>On for an enrolled device (identity.json in the data directory) or once a key file exists; off before that.</summary>
    Auto,

    On,

    Off,
}

/// <summary>One stream's limits.</summary>
internal sealed class OutboxStreamOptions
{
    /// <summary>Records older than this are discarded unsent. Null: kept until sent.</summary>
    public TimeSpan? TimeToLive { get; set; }

    [Range(1, 100_000_000)]
    public int MaxRecords { get; set; } = 100_000;

    public OnFull OnFull { get; set; } = OnFull.DropOldest;

    /// <summary>Lower drains first.</summary>
    [Range(0, 100)]
    public int Priority { get; set; } = 50;
}

/// <summary>The durable outbox: one LiteDB file, one collection per stream.</summary>
internal sealed class OutboxOptions : IValidatableObject
{
    public const string Section = "Outbox";

    public OutboxOptions()
    {
        // Configuration binds onto these, so setting one value (Outbox:Streams:deployments:MaxRecords)
        // keeps the stream's other defaults; above all, a deployment stream stays never-dropped.
        foreach (var stream in SyncTopics.Streams)
        {
            Streams[stream] = Defaults(stream);
        }
    }

    /// <summary>File name inside the agent's data directory.</summary>
    public string FileName { get; set; } = "outbox.db";

    /// <summary>Encryption at rest (LiteDB's AES) with the key in <see cref="KeyFile"/>.</summary>
    public OutboxEncryptionMode Encryption { get; set; } = OutboxEncryptionMode.Auto;

    /// <summary>The key's file; default outbox.key in the data directory, beside identity.json.</summary>
    public string? KeyFile { get; set; }

    /// <summary>All streams together; at the cap, Keep streams evict droppable records, others follow their own policy.</summary>
    [Range(1, 1_000_000_000)]
    public int MaxTotalRecords { get; set; } = 1_000_000;

    /// <summary>Streams by name, starting from the defaults below.</summary>
    public IDictionary<string, OutboxStreamOptions> Streams { get; } = new Dictionary<string, OutboxStreamOptions>(StringComparer.Ordinal);

    public OutboxStreamOptions For(string stream) => Streams.TryGetValue(stream, out var configured) ? configured : Defaults(stream);

    /// <summary>Defaults per stream: telemetry is the first to go, status and deployment reports never go.</summary>
    public static OutboxStreamOptions Defaults(string stream) => stream switch
    {
        SyncTopics.Telemetry => new() { TimeToLive = TimeSpan.FromDays(7), MaxRecords = 500_000, OnFull = OnFull.DropOldest, Priority = 80 },
        SyncTopics.Inference => new() { TimeToLive = TimeSpan.FromDays(3), MaxRecords = 200_000, OnFull = OnFull.DropOldest, Priority = 90 },
        SyncTopics.Events => new() { TimeToLive = TimeSpan.FromDays(30), MaxRecords = 100_000, OnFull = OnFull.DropOldest, Priority = 40 },
        SyncTopics.Deployments => new() { MaxRecords = 10_000, OnFull = OnFull.Keep, Priority = 10 },
        SyncTopics.Reported => new() { MaxRecords = 10_000, OnFull = OnFull.Keep, Priority = 20 },
        _ => new(),
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // The options validator does not look inside dictionaries: check each stream here.
        foreach (var (name, stream) in Streams)
        {
            if (!SyncTopics.Streams.Contains(name))
            {
                yield return new ValidationResult($"Outbox:Streams:{name} is not a stream; the streams are {string.Join(", ", SyncTopics.Streams)}.", [nameof(Streams)]);
            }
            else if (stream.MaxRecords is < 1 or > 100_000_000)
            {
                yield return new ValidationResult($"Outbox:Streams:{name}:MaxRecords {stream.MaxRecords} must be between 1 and 100000000.", [nameof(Streams)]);
            }
            else if (stream.Priority is < 0 or > 100)
            {
                yield return new ValidationResult($"Outbox:Streams:{name}:Priority {stream.Priority} must be between 0 and 100 (lower drains first).", [nameof(Streams)]);
            }
            else if (stream.TimeToLive is { } ttl && ttl <= TimeSpan.Zero)
            {
                yield return new ValidationResult($"Outbox:Streams:{name}:TimeToLive {ttl} must be positive (leave it out to keep records until sent).", [nameof(Streams)]);
            }
        }
    }
}

[OptionsValidator]
internal sealed partial class OutboxOptionsValidator : IValidateOptions<OutboxOptions>;

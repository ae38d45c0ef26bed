namespace EdgeAi.Hub.Store;

/// <summary>One record of one device stream, stored once per (device, stream, epoch, seq).</summary>
internal sealed class RecordRow
{
    public long Id { get; set; }

    public required string DeviceId { get; set; }

    public required string Stream { get; set; }

    /// <summary>The device's outbox file (see RecordBatch.epoch): sequence numbers restart in a new one.</summary>
    public long Epoch { get; set; }

    public long Seq { get; set; }

    public long CreatedAtMs { get; set; }

    public long ReceivedAtMs { get; set; }

    public required byte[] Body { get; set; }
}

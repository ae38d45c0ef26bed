namespace EdgeAi.Hub.Store;

/// <summary>One record of one device stream, stored once per (device, stream, seq).</summary>
internal sealed class RecordRow
{
    public long Id { get; set; }

    public required string DeviceId { get; set; }

    public required string Stream { get; set; }

    public long Seq { get; set; }

    public long CreatedAtMs { get; set; }

    public long ReceivedAtMs { get; set; }

    public required byte[] Body { get; set; }
}

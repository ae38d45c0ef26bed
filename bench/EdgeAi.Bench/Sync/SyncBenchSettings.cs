namespace EdgeAi.Bench.Sync;

/// <summary>What the sync mode measures: record counts per scenario.</summary>
/// <summary>With <paramref name="Encrypted"/>, every outbox file is encrypted at rest as an enrolled device's is (issue 16).</summary>
internal sealed record SyncBenchSettings(int EnqueueRecords, int DrainRecords, int Backlog, int Devices, int RecordsPerDevice, bool Encrypted = false)
{
    public string? Problem() => this switch
    {
        { EnqueueRecords: < 1000 } => "--enqueue-records must be 1000 or more",
        { DrainRecords: < 1000 } => "--drain-records must be 1000 or more",
        { Backlog: < 0 } => "--backlog must be 0 (skip) or more",
        { Devices: < 0 or > 10_000 } => "--devices must be between 0 (skip) and 10000",
        { RecordsPerDevice: < 1 } => "--records-per-device must be 1 or more",
        _ => null,
    };

    public string CommandLine =>
        $"dotnet run -c Release --project bench/EdgeAi.Bench -- sync --enqueue-records {EnqueueRecords} --drain-records {DrainRecords} --backlog {Backlog} --devices {Devices} --records-per-device {RecordsPerDevice}{(Encrypted ? " --encrypted" : "")}";
}

namespace EdgeAi.Bench.Scale;

/// <summary>What the scale mode measures: how many simulated devices, how many records each sends.</summary>
internal sealed record ScaleBenchSettings(int Devices, int RecordsPerDevice)
{
    public string? Problem() => this switch
    {
        { Devices: < 2 or > 10_000 } => "--devices must be between 2 and 10000",
        { RecordsPerDevice: < 1 } => "--records-per-device must be 1 or more",
        _ => null,
    };

    public string CommandLine =>
        $"dotnet run -c Release --project bench/EdgeAi.Bench -- scale --devices {Devices} --records-per-device {RecordsPerDevice}";
}

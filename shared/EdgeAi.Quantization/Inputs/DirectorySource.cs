using EdgeAi.Quantization.Calibration;

namespace EdgeAi.Quantization.Inputs;

/// <summary>One calibration sample on disk, checked when the directory was opened and read when it is asked for.</summary>
internal interface ISampleEntry
{
    string Source { get; }

    CalibrationSample Read();
}

/// <summary>The samples of a calibration directory, in order; every enumeration reads them anew, one at a time.</summary>
internal sealed class DirectorySource(IReadOnlyList<ISampleEntry> entries, string description) : ICalibrationSource
{
    public int Count => entries.Count;

    public string Description { get; } = description;

    public IReadOnlyList<string> Sources => [.. entries.Select(e => e.Source)];

    public IEnumerable<CalibrationSample> Read()
    {
        foreach (var entry in entries)
        {
            yield return entry.Read();
        }
    }
}

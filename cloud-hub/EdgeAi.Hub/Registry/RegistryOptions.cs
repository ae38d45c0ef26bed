using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Registry;

/// <summary>The model registry: upload limit and how artifacts are streamed to devices (<c>Hub:Registry</c>).</summary>
internal sealed class RegistryOptions
{
    public const string Section = "Hub:Registry";

    /// <summary>Largest artifact an upload may carry (default 2 GiB); only the upload route is lifted above Kestrel's request limit.</summary>
    [Range(1L, long.MaxValue)]
    public long MaxArtifactBytes { get; set; } = 2L << 30;

    /// <summary>Bytes per DownloadModel chunk (default 64 KiB).</summary>
    [Range(1024, 4 << 20)]
    public int DownloadChunkBytes { get; set; } = 64 << 10;

    /// <summary>Per-download throttle in bytes per second; 0 = unlimited. Keeps a fleet from saturating the uplink (and makes cuts testable).</summary>
    [Range(0L, long.MaxValue)]
    public long DownloadBytesPerSecond { get; set; }
}

[OptionsValidator]
internal sealed partial class RegistryOptionsValidator : IValidateOptions<RegistryOptions>;

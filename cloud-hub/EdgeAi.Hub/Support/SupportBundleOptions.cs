using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Support;

/// <summary>Support bundles devices upload at an admin's request (<c>Hub:SupportBundles</c>).</summary>
internal sealed class SupportBundleOptions
{
    public const string Section = "Hub:SupportBundles";

    /// <summary>Largest bundle a device may upload (default 64 MiB; the agent's own are a few MiB: its logs are capped at 4 MiB).</summary>
    [Range(1024L, 4L << 30)]
    public long MaxBundleBytes { get; set; } = 64L << 20;

    /// <summary>Where bundles and their records are kept; default <c>{Hub:DataDirectory}/support-bundles</c> (share it between replicas, like the artifacts).</summary>
    public string? Directory { get; set; }
}

[OptionsValidator]
internal sealed partial class SupportBundleOptionsValidator : IValidateOptions<SupportBundleOptions>;

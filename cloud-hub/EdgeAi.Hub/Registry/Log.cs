namespace EdgeAi.Hub.Registry;

/// <summary>Model registry and download log messages; event ids 3500-3549.</summary>
internal static partial class Log
{
    [LoggerMessage(3500, LogLevel.Information, "Registered model {Name} version {Version}: {Size} bytes, sha256 {Sha256}")]
    public static partial void Pushed(ILogger logger, string name, string version, long size, string sha256);

    [LoggerMessage(3501, LogLevel.Information, "Deleted model {Name} version {Version}")]
    public static partial void Deleted(ILogger logger, string name, string version);

    [LoggerMessage(3502, LogLevel.Warning, "Model {Name} version {Version} is registered but the hub cannot serve it: {Reason}")]
    public static partial void ServingInstallFailed(ILogger logger, string name, string version, string reason);

    [LoggerMessage(3510, LogLevel.Information, "Device {DeviceId} downloads {Name} version {Version} from byte {Offset} of {Size}")]
    public static partial void DownloadStarted(ILogger logger, string deviceId, string name, string version, long offset, long size);

    [LoggerMessage(3511, LogLevel.Warning, "Refused a download of {Name} version {Version} by {DeviceId}: {Reason}")]
    public static partial void DownloadRefused(ILogger logger, string deviceId, string name, string version, string reason);

    [LoggerMessage(3503, LogLevel.Information, "Registered the {Variant} variant of model {Name} version {Version}: {Size} bytes, sha256 {Sha256}")]
    public static partial void VariantAdded(ILogger logger, string name, string version, string variant, long size, string sha256);

    [LoggerMessage(3504, LogLevel.Information, "Deleted the {Variant} variant of model {Name} version {Version}")]
    public static partial void VariantDeleted(ILogger logger, string name, string version, string variant);
}

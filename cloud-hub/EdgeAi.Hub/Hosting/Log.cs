namespace EdgeAi.Hub.Hosting;

/// <summary>Hub log messages; event ids 3000-3099.</summary>
internal static partial class Log
{
    [LoggerMessage(3000, LogLevel.Information, "Cloud hub listening on {Uri} ({Transport}); TLS certificate SHA-256 {Fingerprint}; data in {DataDirectory}")]
    public static partial void Listening(ILogger logger, Uri uri, string transport, string fingerprint, string dataDirectory);

    [LoggerMessage(3001, LogLevel.Warning, "Refused a call from {Remote}: unknown or wrong device key")]
    public static partial void DeviceRefused(ILogger logger, string remote);

    [LoggerMessage(3002, LogLevel.Warning, "Plain HTTP/2 without TLS (Hub:AllowInsecureHttp): for development only")]
    public static partial void InsecureHttp(ILogger logger);
}

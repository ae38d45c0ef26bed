namespace EdgeAi.Common.Service;

/// <summary>Exit codes a service manager acts on.</summary>
public static class ServiceExitCodes
{
    /// <summary>
    /// The configuration is invalid (EX_CONFIG from sysexits.h). A restart cannot fix it, so the systemd unit
    /// lists it in <c>RestartPreventExitStatus=</c>: the service stays failed until someone fixes the file.
    /// </summary>
    public const int ConfigurationError = 78;
}

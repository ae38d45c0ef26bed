using EdgeAi.Agent.Enrollment;
using EdgeAi.Common.Diagnostics;

namespace EdgeAi.Agent.Diagnostics;

/// <summary>The enrolled identity (identity.json in the data directory) that gives the agent its hub, key and broker.</summary>
internal sealed class IdentityCheck(string dataDirectory) : IDiagnosticCheck
{
    public const string Id = "enrollment";

    public Task<IReadOnlyList<CheckResult>> RunAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<CheckResult>>([Run()]);

    private CheckResult Run()
    {
        const string enroll = "edge-agent enroll --hub https://HUB:5001 --token TOKEN (the line 'cloud-hub tokens create' prints)";
        try
        {
            return DeviceIdentity.TryRead(dataDirectory) is { } identity
                ? CheckResult.Ok(Id, $"enrolled as {identity.DeviceId} at {identity.HubUrl}")
                : CheckResult.Warn(Id, $"not enrolled (no {DeviceIdentity.FileName} in {dataDirectory})", enroll);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return CheckResult.Fail(Id, e.Message, enroll.Replace("enroll ", "enroll --force ", StringComparison.Ordinal));
        }
    }
}

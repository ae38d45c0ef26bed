using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Registry;
using EdgeAi.Hub.Security;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Health;

/// <summary>The model-signing key is in the data directory: without it the registry cannot sign, and devices refuse unsigned models.</summary>
/// <remarks>Takes the registry so that it has loaded (or, on first start, made) the key before the file is looked for.</remarks>
internal sealed class SigningKeyCheck(IOptions<HubOptions> options, ModelRegistry registry) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return Task.FromResult(Evaluate(options.Value.DataDirectory));
    }

    internal static HealthCheckResult Evaluate(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, ModelSigningKey.PrivateKeyFileName);
        return File.Exists(path)
            ? HealthCheckResult.Healthy($"{ModelSigningKey.PrivateKeyFileName} is present")
            : HealthCheckResult.Unhealthy(
                $"{ModelSigningKey.PrivateKeyFileName} is missing from the data directory {dataDirectory}: models cannot be signed; restore it from backup (a new key makes devices refuse models until they re-enroll)");
    }
}

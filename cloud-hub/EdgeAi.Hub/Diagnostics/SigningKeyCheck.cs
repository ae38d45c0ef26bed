using System.Security.Cryptography;
using EdgeAi.Common.Diagnostics;
using EdgeAi.Hub.Security;

namespace EdgeAi.Hub.Diagnostics;

/// <summary>The model-signing key: present, a P-256 key, and readable by its owner only (whoever reads it can sign models every device installs).</summary>
internal sealed class SigningKeyCheck(string dataDirectory) : IDiagnosticCheck
{
    public const string Id = "signing-key";

    private const UnixFileMode OthersAccess = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    public Task<IReadOnlyList<CheckResult>> RunAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<CheckResult>>([Run()]);

    private CheckResult Run()
    {
        var path = Path.Combine(dataDirectory, ModelSigningKey.PrivateKeyFileName);
        if (!File.Exists(path))
        {
            return CheckResult.Warn(Id, $"{path} does not exist yet", "the hub makes it at its first start (cloud-hub run); keep a backup: devices trust only its public half");
        }
        try
        {
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & OthersAccess) != 0)
            {
                return CheckResult.Fail(Id, $"{path} is readable by others (mode {Convert.ToString((int)File.GetUnixFileMode(path), 8)})", $"chmod 600 {path}");
            }
            using var key = ECDsa.Create();
            key.ImportFromPem(File.ReadAllText(path));
            return key.KeySize == 256
                ? CheckResult.Ok(Id, $"{path} present, ECDSA P-256, owner-only")
                : CheckResult.Fail(Id, $"{path} holds a {key.KeySize}-bit key; it must be ECDSA P-256", "restore the hub's key from a backup");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            return CheckResult.Fail(Id, $"{path} cannot be read as a key: {e.Message}", "restore the hub's key from a backup (a new key means every device must enroll again)");
        }
    }
}

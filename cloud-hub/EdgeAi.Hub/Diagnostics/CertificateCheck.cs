using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeAi.Common.Diagnostics;
using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Security;

namespace EdgeAi.Hub.Diagnostics;

/// <summary>
/// The TLS certificate the hub serves (Hub:CertificatePath, else the one it issued itself in the data
/// directory): present, its dates, and whether its names cover localhost, this machine and Hub:PublicNames.
/// </summary>
internal sealed class CertificateCheck(HubOptions hub, TimeProvider time) : IDiagnosticCheck
{
    public const string Id = "certificate";

    public Task<IReadOnlyList<CheckResult>> RunAsync(CancellationToken cancellationToken) => Task.FromResult(Run());

    private IReadOnlyList<CheckResult> Run()
    {
        if (hub.AllowInsecureHttp)
        {
            return [CheckResult.Warn(Id, "TLS is off (Hub:AllowInsecureHttp): development only", "remove Hub:AllowInsecureHttp (and --insecure-dev)")];
        }
        var own = string.IsNullOrEmpty(hub.CertificatePath);
        var path = own ? Path.Combine(hub.DataDirectory, HubCertificate.ServingPfxFileName) : hub.CertificatePath!;
        var renew = own
            ? "restart the hub: it reissues its own certificate, for Hub:PublicNames, from its CA (devices keep trusting it)"
            : $"issue a new certificate for {string.Join(", ", ServingNames.For(hub.PublicNames))} and set Hub:CertificatePath to it";
        if (!File.Exists(path))
        {
            return own
                ? [CheckResult.Warn(Id, $"{path} does not exist yet", "the hub issues it at its first start (cloud-hub run)")]
                : [CheckResult.Fail(Id, $"Hub:CertificatePath {path} does not exist", "set Hub:CertificatePath to the hub's PKCS#12 file")];
        }
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, own ? null : hub.CertificatePassword);
        }
        catch (CryptographicException e)
        {
            return [CheckResult.Fail(Id, $"{path} cannot be read: {e.Message}", own ? renew : "check Hub:CertificatePath and Hub:CertificatePassword")];
        }
        using (certificate)
        {
            var expiry = CertificateExpiry.Evaluate(Id, $"{Path.GetFileName(path)}", certificate.NotBefore.ToUniversalTime(), certificate.NotAfter.ToUniversalTime(), time.GetUtcNow(), renew);
            var covered = Names(certificate);
            var missing = hub.PublicNames.Select(ServingNames.Normalize).Where(n => !covered.Contains(n)).Distinct(StringComparer.Ordinal).ToList();
            var names = missing.Count == 0
                ? CheckResult.Ok(Id + "-names", $"covers {string.Join(", ", covered.Order(StringComparer.Ordinal))}")
                : CheckResult.Fail(Id + "-names", $"does not cover Hub:PublicNames {string.Join(", ", missing)} (devices that dial them refuse it)", renew);
            return [expiry, names];
        }
    }

    /// <summary>The DNS names and IP addresses in the certificate's subject alternative names.</summary>
    public static IReadOnlySet<string> Names(X509Certificate2 certificate)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var extension in certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            names.UnionWith(extension.EnumerateDnsNames().Select(n => n.ToLowerInvariant()));
            names.UnionWith(extension.EnumerateIPAddresses().Select(a => a.ToString()));
        }
        return names;
    }
}

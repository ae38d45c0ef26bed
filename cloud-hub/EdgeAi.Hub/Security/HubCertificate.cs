using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeAi.Hub.Security;

/// <summary>
/// The hub's TLS certificate: the configured PFX, or one the hub issues itself. Self-issued, the
/// data directory holds a CA made on first start (hub-tls.pfx, its public half hub-ca.crt, which
/// enrollment hands to agents) and the serving certificate it signed (hub-server.pfx) for the names
/// devices use: localhost, the machine name, loopback and Hub:PublicNames. A change of names only
/// reissues the serving certificate, so agents that trust the CA keep trusting the hub.
/// </summary>
internal static class HubCertificate
{
    public const string PfxFileName = "hub-tls.pfx";
    public const string PublicCertificateFileName = "hub-ca.crt";
    public const string ServingPfxFileName = "hub-server.pfx";

    public static X509Certificate2 LoadOrCreate(string dataDirectory, string? configuredPath, string? password, IEnumerable<string> publicNames, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (!string.IsNullOrEmpty(configuredPath))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(configuredPath, password);
        }
        Directory.CreateDirectory(dataDirectory);
        using var authority = HubAuthority.LoadOrCreate(dataDirectory, time);
        var names = ServingNames.For(publicNames);
        var serving = Path.Combine(dataDirectory, ServingPfxFileName);
        if (TryLoadCurrent(serving, authority, names, time) is { } current)
        {
            return current;
        }
        var issued = ServingNames.Issue(authority, names, time);
        // Replicas sharing the directory may reissue at once: each renames a whole file into place, and
        // any of them is valid (same CA, same names), so the last rename winning is harmless.
        StagedFile.Replace(serving, issued, overwrite: true);
        return X509CertificateLoader.LoadPkcs12(issued, password: null);
    }

    /// <summary>SHA-256 of the certificate, hex: what agents pin with Cloud:CertificateFingerprint.</summary>
    public static string Fingerprint(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Convert.ToHexString(SHA256.HashData(certificate.RawData));
    }

    /// <summary>The serving certificate on disk when it is still right: issued by this CA, for these names, not near its end.</summary>
    private static X509Certificate2? TryLoadCurrent(string path, X509Certificate2 authority, IReadOnlySet<string> names, TimeProvider time)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password: null);
        }
        catch (CryptographicException)
        {
            // Damaged or half-written by an older hub: issue a new one.
            return null;
        }
        if (ServingNames.IsCurrent(certificate, authority, names, time))
        {
            return certificate;
        }
        certificate.Dispose();
        return null;
    }
}

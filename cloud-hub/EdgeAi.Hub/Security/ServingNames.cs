using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeAi.Hub.Security;

/// <summary>The names the serving certificate carries, and issuing it from the hub CA.</summary>
internal static class ServingNames
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(2 * 365);

    /// <summary>Reissued at start once this close to its end: a hub restarted now and then never serves an expired one.</summary>
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(60);

    /// <summary>localhost, the machine name, loopback, and the configured names; IP addresses in canonical form, DNS names lower case.</summary>
    public static IReadOnlySet<string> For(IEnumerable<string> publicNames)
    {
        ArgumentNullException.ThrowIfNull(publicNames);
        var names = new SortedSet<string>(StringComparer.Ordinal)
        {
            "localhost",
            Environment.MachineName.ToLowerInvariant(),
            IPAddress.Loopback.ToString(),
            IPAddress.IPv6Loopback.ToString(),
        };
        foreach (var name in publicNames)
        {
            names.Add(Normalize(name));
        }
        return names;
    }

    public static string Normalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var trimmed = name.Trim();
        return IPAddress.TryParse(trimmed.Trim('[', ']'), out var address) ? address.ToString() : trimmed.ToLowerInvariant();
    }

    /// <summary>A Hub:PublicNames entry is an IP address or a DNS host name (no scheme, no port, no wildcard).</summary>
    public static bool IsValid(string name) =>
        !string.IsNullOrWhiteSpace(name)
        && Uri.CheckHostName(name.Trim().Trim('[', ']')) is UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6;

    public static byte[] Issue(X509Certificate2 authority, IReadOnlySet<string> names, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(authority);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=EdgeAi hub {Environment.MachineName} (serving)", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var address))
            {
                san.AddIpAddress(address);
            }
            else
            {
                san.AddDnsName(name);
            }
        }
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = time.GetUtcNow();
        var notAfter = now + Lifetime < authority.NotAfter ? now + Lifetime : new DateTimeOffset(authority.NotAfter.ToUniversalTime());
        using var signed = request.Create(authority, now.AddMinutes(-5), notAfter, RandomNumberGenerator.GetBytes(16));
        using var withKey = signed.CopyWithPrivateKey(key);
        return withKey.Export(X509ContentType.Pfx);
    }

    public static bool IsCurrent(X509Certificate2 certificate, X509Certificate2 authority, IReadOnlySet<string> names, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var now = time.GetUtcNow();
        if (!certificate.HasPrivateKey || certificate.NotAfter.ToUniversalTime() - now < RenewBefore || certificate.NotBefore.ToUniversalTime() > now)
        {
            return false;
        }
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (san is null)
        {
            return false;
        }
        var carried = new SortedSet<string>(san.EnumerateDnsNames().Select(Normalize), StringComparer.Ordinal);
        carried.UnionWith(san.EnumerateIPAddresses().Select(address => address.ToString()));
        if (!carried.SetEquals(names))
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        return chain.Build(certificate);
    }
}

using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeAi.Agent.Cloud;

/// <summary>
/// Decides whether the hub's TLS certificate is trusted: a pinned fingerprint, a configured CA, or
/// the system's trust store. Revocation is not checked online: devices with a private CA are often
/// offline, and an online check would stall every connection.
/// </summary>
internal sealed class HubCertificateValidator
{
    private readonly string? _pin;
    private readonly X509Certificate2? _ca;
    private readonly bool _allowAny;

    public HubCertificateValidator(CloudOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _pin = options.CertificateFingerprint?.Replace(":", "", StringComparison.Ordinal).Trim().ToUpperInvariant();
        _ca = string.IsNullOrEmpty(options.CaCertificatePath) ? null : X509CertificateLoader.LoadCertificateFromFile(options.CaCertificatePath);
        _allowAny = options.AllowUntrustedCertificate;
    }

    public bool Validate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_allowAny)
        {
            return true;
        }
        if (certificate is null)
        {
            return false;
        }
        if (!string.IsNullOrEmpty(_pin))
        {
            return Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData())) == _pin;
        }
        if (_ca is not null)
        {
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                return false;
            }
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.Add(_ca);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return custom.Build(presented);
        }
        return errors == SslPolicyErrors.None;
    }
}

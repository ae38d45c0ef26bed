using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeAi.Common.Security;

/// <summary>
/// Decides whether the hub's TLS certificate is trusted: a pinned fingerprint, a configured CA, or
/// the system's trust store. Revocation is not checked online: devices with a private CA are often
/// offline, and an online check would stall every connection.
/// </summary>
public sealed class HubCertificateValidator
{
    private readonly string? _pin;
    private readonly X509Certificate2? _ca;
    private readonly bool _allowAny;

    /// <param name="fingerprint">SHA-256 of the hub's certificate (hex, colons allowed): accept exactly that one.</param>
    /// <param name="caCertificatePath">PEM of the CA that signed the hub's certificate (the hub's own hub-ca.crt when self-signed).</param>
    /// <param name="allowAny">Development only: accept any certificate.</param>
    public HubCertificateValidator(string? fingerprint, string? caCertificatePath, bool allowAny)
    {
        _pin = fingerprint?.Replace(":", "", StringComparison.Ordinal).Trim().ToUpperInvariant();
        _ca = string.IsNullOrEmpty(caCertificatePath) ? null : X509CertificateLoader.LoadCertificateFromFile(caCertificatePath);
        _allowAny = allowAny;
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

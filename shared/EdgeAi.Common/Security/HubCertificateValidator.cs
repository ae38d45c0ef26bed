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
    private readonly string? _caPath;
    private readonly X509Certificate2? _ca;
    private readonly bool _allowAny;
    private volatile string? _lastRefusal;

    /// <param name="fingerprint">SHA-256 of the hub's certificate (hex, colons allowed): accept exactly that one.</param>
    /// <param name="caCertificatePath">PEM of the CA that signed the hub's certificate (the hub's own hub-ca.crt when self-signed).</param>
    /// <param name="allowAny">Development only: accept any certificate.</param>
    public HubCertificateValidator(string? fingerprint, string? caCertificatePath, bool allowAny)
    {
        _pin = fingerprint?.Replace(":", "", StringComparison.Ordinal).Trim().ToUpperInvariant();
        _caPath = string.IsNullOrEmpty(caCertificatePath) ? null : caCertificatePath;
        _ca = _caPath is null ? null : X509CertificateLoader.LoadCertificateFromFile(_caPath);
        _allowAny = allowAny;
    }

    /// <summary>
    /// Why the last certificate was refused, or null if none was. TLS reports a refusal only as a failed
    /// handshake; this is how a caller tells "the hub answered with the wrong certificate" from "no hub there".
    /// </summary>
    public string? LastRefusal => _lastRefusal;

    public bool Validate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        var refusal = Check(certificate, errors);
        _lastRefusal = refusal;
        return refusal is null;
    }

    private string? Check(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (_allowAny)
        {
            return null;
        }
        if (certificate is null)
        {
            return "the server presented no certificate";
        }
        if (!string.IsNullOrEmpty(_pin))
        {
            var actual = Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData()));
            return actual == _pin ? null : $"its certificate's SHA-256 fingerprint is {actual}, not the pinned {_pin}";
        }
        if (_ca is not null)
        {
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                return $"its certificate ({certificate.Subject}) does not name the address used";
            }
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.Add(_ca);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return custom.Build(presented) ? null : $"its certificate ({certificate.Subject}) does not chain to the CA in {_caPath}";
        }
        return errors == SslPolicyErrors.None ? null : $"its certificate ({certificate.Subject}) is not trusted by this system ({errors})";
    }
}

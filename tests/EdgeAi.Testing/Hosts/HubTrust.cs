using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeAi.Testing.Hosts;

/// <summary>Clients that trust exactly one hub certificate, pinned by its SHA-256 fingerprint, as agents pin it (Cloud:CertificateFingerprint).</summary>
internal static class HubTrust
{
    public static SocketsHttpHandler PinnedHandler(string fingerprint)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => Matches(certificate, fingerprint);
        return handler;
    }

    /// <summary>A client that trusts the hub CA in <paramref name="caPath"/> (hub-ca.crt), names checked, as an enrolled agent does.</summary>
    public static SocketsHttpHandler CaHandler(string caPath)
    {
        var validator = new EdgeAi.Common.Security.HubCertificateValidator(fingerprint: null, caPath, allowAny: false);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => validator.Validate(certificate, chain, errors);
        return handler;
    }

    /// <summary>Whether <paramref name="certificate"/> is the pinned one (for a raw <see cref="System.Net.Security.SslStream"/> too).</summary>
    public static bool Matches(X509Certificate? certificate, string fingerprint) =>
        certificate is not null && Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData())) == fingerprint;
}

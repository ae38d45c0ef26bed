using System.Security.Cryptography;

namespace EdgeAi.Testing.Hosts;

/// <summary>Clients that trust exactly one hub certificate, pinned by its SHA-256 fingerprint, as agents pin it (Cloud:CertificateFingerprint).</summary>
internal static class HubTrust
{
    public static SocketsHttpHandler PinnedHandler(string fingerprint)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate is not null && Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData())) == fingerprint;
        return handler;
    }
}

using System.Security.Cryptography;

namespace EdgeAi.Hub.Security;

/// <summary>
/// The hub's model-signing key pair in the data directory: model-signing.key (ECDSA P-256, PKCS#8
/// PEM, 0600) and model-signing.pub (SubjectPublicKeyInfo PEM, what enrolled devices verify with).
/// Generated on first use.
/// </summary>
internal static class ModelSigningKey
{
    public const string PrivateKeyFileName = "model-signing.key";
    public const string PublicKeyFileName = "model-signing.pub";

    private static readonly Lock CreateLock = new();

    /// <summary>The public key PEM, creating the pair when the data directory has none.</summary>
    public static string LoadOrCreatePublicKeyPem(string dataDirectory)
    {
        var publicPath = Path.Combine(dataDirectory, PublicKeyFileName);
        lock (CreateLock)
        {
            if (!File.Exists(publicPath))
            {
                Directory.CreateDirectory(dataDirectory);
                var privatePath = Path.Combine(dataDirectory, PrivateKeyFileName);
                using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                if (OwnerOnlyFile.TryCreate(privatePath, key.ExportPkcs8PrivateKeyPem()))
                {
                    File.WriteAllText(publicPath, key.ExportSubjectPublicKeyInfoPem());
                }
                else
                {
                    // A private key without its public half (an interrupted first start): derive it.
                    using var existing = ECDsa.Create();
                    existing.ImportFromPem(File.ReadAllText(privatePath));
                    File.WriteAllText(publicPath, existing.ExportSubjectPublicKeyInfoPem());
                }
            }
            return File.ReadAllText(publicPath);
        }
    }
}

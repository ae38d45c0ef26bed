using System.Security.Cryptography;

namespace EdgeAi.Hub.Security;

/// <summary>
/// The hub's model-signing key: ECDSA P-256, made on first start and kept in the data directory as
/// model-signing.key (PKCS#8 PEM, owner-only) beside model-signing.pub (SubjectPublicKeyInfo PEM),
/// which enrollment hands to devices so they can check every artifact the registry signed.
/// </summary>
internal static class ModelSigningKey
{
    public const string PrivateKeyFileName = "model-signing.key";
    public const string PublicKeyFileName = "model-signing.pub";

    public static ECDsa LoadOrCreate(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        Directory.CreateDirectory(dataDirectory);
        var privatePath = Path.Combine(dataDirectory, PrivateKeyFileName);
        var publicPath = Path.Combine(dataDirectory, PublicKeyFileName);
        if (!File.Exists(privatePath))
        {
            using var created = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            // No overwrite: when two processes race on first start, the first key in place wins and both read it.
            StagedFile.Replace(privatePath, System.Text.Encoding.ASCII.GetBytes(created.ExportPkcs8PrivateKeyPem() + "\n"), overwrite: false);
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(privatePath));
            if (key.KeySize != 256)
            {
                throw new CryptographicException($"{privatePath} holds a {key.KeySize}-bit key; the model-signing key must be ECDSA P-256");
            }
            // Rewritten when missing or stale, so the public half always matches the key that signs.
            var publicPem = key.ExportSubjectPublicKeyInfoPem();
            if (!File.Exists(publicPath) || File.ReadAllText(publicPath).Trim() != publicPem.Trim())
            {
                StagedFile.Replace(publicPath, System.Text.Encoding.ASCII.GetBytes(publicPem + "\n"), overwrite: true, ownerOnly: false);
            }
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>The public key PEM devices verify with (what enrollment hands out), creating the pair when the data directory has none.</summary>
    public static string LoadOrCreatePublicKeyPem(string dataDirectory)
    {
        using var key = LoadOrCreate(dataDirectory);
        return File.ReadAllText(Path.Combine(dataDirectory, PublicKeyFileName));
    }
}

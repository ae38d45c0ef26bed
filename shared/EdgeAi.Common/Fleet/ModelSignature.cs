using System.Security.Cryptography;
using System.Text;

namespace EdgeAi.Common.Fleet;

/// <summary>
/// The hub's signature over a model artifact: ECDSA P-256 with SHA-256 (IEEE P1363, 64 bytes) over
/// <c>edgeai-model-v1\n{name}\n{version}\n{sha256 hex}</c>. Binding name and version means a
/// signature for one artifact cannot be replayed to pass another one off under a different name.
/// </summary>
public static class ModelSignature
{
    public const int Length = 64;

    public static byte[] Sign(ECDsa key, string name, string version, string sha256Hex)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.SignData(Payload(name, version, sha256Hex), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>True when <paramref name="signature"/> is the holder of <paramref name="publicKey"/>'s signature over this artifact.</summary>
    public static bool Verify(ECDsa publicKey, string name, string version, string sha256Hex, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        return signature.Length == Length
            && publicKey.VerifyData(Payload(name, version, sha256Hex), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>Reads a PEM public key (SubjectPublicKeyInfo) and checks it is P-256.</summary>
    public static ECDsa ImportPublicKey(string pem)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            if (key.KeySize != 256)
            {
                throw new CryptographicException($"model-signing key is {key.KeySize}-bit; expected ECDSA P-256");
            }
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private static byte[] Payload(string name, string version, string sha256Hex)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(version);
        ArgumentException.ThrowIfNullOrEmpty(sha256Hex);
        return Encoding.UTF8.GetBytes($"edgeai-model-v1\n{name}\n{version}\n{sha256Hex.ToLowerInvariant()}");
    }
}

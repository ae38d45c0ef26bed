using System.Security.Cryptography;
using System.Text;

namespace EdgeAi.Common.Fleet;

/// <summary>
/// The hub's signature over a model artifact: ECDSA P-256 with SHA-256 (IEEE P1363, 64 bytes) over
/// <c>edgeai-model-v1\n{name}\n{version}\n{sha256 hex}</c>. Binding name and version means a
/// signature for one artifact cannot be replayed to pass another one off under a different name.
/// A variant other than fp32 signs <c>edgeai-model-variant-v1\n{name}\n{version}\n{variant}\n{sha256 hex}</c>,
/// so an int8 artifact's signature cannot pass it off as the fp32 one (or the reverse); fp32 keeps the
/// first payload, so agents that predate variants still verify it.
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

    /// <summary>Signs one variant of a version; fp32 (or empty) signs exactly what <see cref="Sign(ECDsa, string, string, string)"/> does.</summary>
    public static byte[] Sign(ECDsa key, string name, string version, string variant, string sha256Hex)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.SignData(Payload(name, version, variant, sha256Hex), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>True when <paramref name="signature"/> is the hub's signature over this variant of the version.</summary>
    public static bool Verify(ECDsa publicKey, string name, string version, string variant, string sha256Hex, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        return signature.Length == Length
            && publicKey.VerifyData(Payload(name, version, variant, sha256Hex), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>The bytes signed for one variant (exposed so tests can pin the payloads down).</summary>
    public static byte[] Payload(string name, string version, string variant, string sha256Hex)
    {
        ArgumentNullException.ThrowIfNull(variant);
        if (ModelVariants.IsDefault(variant))
        {
            return Payload(name, version, sha256Hex);
        }
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(version);
        ArgumentException.ThrowIfNullOrEmpty(sha256Hex);
        return Encoding.UTF8.GetBytes($"edgeai-model-variant-v1\n{name}\n{version}\n{variant}\n{sha256Hex.ToLowerInvariant()}");
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

    public static byte[] Payload(string name, string version, string sha256Hex)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(version);
        ArgumentException.ThrowIfNullOrEmpty(sha256Hex);
        return Encoding.UTF8.GetBytes($"edgeai-model-v1\n{name}\n{version}\n{sha256Hex.ToLowerInvariant()}");
    }
}

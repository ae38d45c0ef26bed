using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace EdgeAi.Hub.Enrollment;

/// <summary>
/// An enrollment token as a device presents it: <c>{id}.{secret}</c>, URL-safe. The id names the
/// token in lists and audit entries; the secret (256 random bits) is what proves possession, and
/// the hub keeps only its SHA-256.
/// </summary>
internal readonly record struct EnrollmentToken(string Id, string Secret)
{
    public const string Form = "'{id}.{secret}' as printed by 'cloud-hub tokens create'";

    private const int IdBytes = 6;
    private const int SecretBytes = 32;
    private static readonly int SecretLength = Base64Url.GetEncodedLength(SecretBytes);

    public static EnrollmentToken Create() =>
        new(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdBytes)), Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes)));

    public override string ToString() => $"{Id}.{Secret}";

    public static bool IsId(string? id) => id is { Length: IdBytes * 2 } && id.All(char.IsAsciiHexDigitLower);

    public static bool TryParse(string? text, [NotNullWhen(true)] out EnrollmentToken? token)
    {
        token = null;
        var dot = text?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (dot < 0)
        {
            return false;
        }
        var id = text![..dot];
        var secret = text[(dot + 1)..];
        if (!IsId(id) || secret.Length != SecretLength || !secret.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return false;
        }
        token = new EnrollmentToken(id, secret);
        return true;
    }

    public static string HashSecret(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}

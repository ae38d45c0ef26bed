using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace EdgeAi.Agent.Outbox;

/// <summary>Whether an outbox file is encrypted, and whether the key at hand opens it.</summary>
internal enum OutboxFileEncryption
{
    /// <summary>Not encrypted (or empty).</summary>
    Plain,

    /// <summary>Encrypted, and the key given opens it.</summary>
    Encrypted,

    /// <summary>Encrypted, and no key was given.</summary>
    NoKey,

    /// <summary>Encrypted with another key.</summary>
    WrongKey,
}

/// <summary>
/// LiteDB 5.0's file encryption (<c>Password=</c>), as its AesStream in 5.0.21 writes it, so the file check
/// and the salvage can read encrypted pages without the engine. An encrypted file (data or log, each on its
/// own) starts with one extra 8 KiB page: byte 0 is 1, bytes 1-16 a random salt, bytes 32-63 thirty-two 1-bytes
/// encrypted (the password check), the rest zero. Every page after it is AES-256 in ECB mode without padding,
/// keyed with the first 32 bytes of PBKDF2-HMAC-SHA1(password, salt, 1000 iterations); a page whose first 16
/// stored bytes are zero reads as blank (never written). ECB and no MAC: it hides the contents from whoever
/// copies the file, it does not detect tampering.
/// </summary>
internal sealed class OutboxCipher : IDisposable
{
    /// <summary>The salt page in front of an encrypted file's pages.</summary>
    public const int HeaderSize = OutboxFileReader.PageSize;
    private const int SaltSize = 16;
    private const int CheckAt = 32;
    private const int CheckSize = 32;

    // LiteDB's choice, fixed by the file format: weaker than we would pick, but a different one could not read its files.
#pragma warning disable CA5379 // SHA1 key derivation
    private const int Iterations = 1000;
    private static readonly HashAlgorithmName Hash = HashAlgorithmName.SHA1;
#pragma warning restore CA5379

    private readonly Aes _aes;

    private OutboxCipher(Aes aes) => _aes = aes;

    /// <summary>Whether a file (its first page, as read raw) is one LiteDB encrypted: a salt page, not a header page.</summary>
    public static bool IsEncrypted(SafeFileHandle file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var first = new byte[HeaderSize];
        if (RandomAccess.Read(file, first, 0) < CheckAt + CheckSize)
        {
            return false;
        }
        // A plain file starts with page 0's id (byte 0 is 0) and "** This is a LiteDB file **" at 32;
        // checking the zeros as well keeps a garbage-filled header page from passing as a salt page.
        return first[0] == 1 && first.AsSpan(1 + SaltSize, CheckAt - 1 - SaltSize).IndexOfAnyExcept((byte)0) < 0
            && first.AsSpan(CheckAt + CheckSize).IndexOfAnyExcept((byte)0) < 0;
    }

    /// <summary>Whether the file at <paramref name="path"/> is encrypted; false when it is absent or cannot be read.</summary>
    public static bool IsEncrypted(string path)
    {
        try
        {
            using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return IsEncrypted(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The cipher of an encrypted file, or null (with <paramref name="state"/> saying why) when the password does not open it.</summary>
    public static OutboxCipher? Open(SafeFileHandle file, string? password, out OutboxFileEncryption state)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (password is null)
        {
            state = OutboxFileEncryption.NoKey;
            return null;
        }
        var first = new byte[CheckAt + CheckSize];
        RandomAccess.Read(file, first, 0);
        var aes = Aes.Create();
        aes.Key = Rfc2898DeriveBytes.Pbkdf2(password, first.AsSpan(1, SaltSize), Iterations, Hash, 32);
        var check = new byte[CheckSize];
        Decrypt(aes, first.AsSpan(CheckAt, CheckSize), check);
        if (check.AsSpan().IndexOfAnyExcept((byte)1) >= 0)
        {
            aes.Dispose();
            state = OutboxFileEncryption.WrongKey;
            return null;
        }
        state = OutboxFileEncryption.Encrypted;
        return new OutboxCipher(aes);
    }

    /// <summary>Decrypts one page as stored into <paramref name="page"/>; a page stored blank stays blank, as LiteDB reads it.</summary>
    public void DecryptPage(ReadOnlySpan<byte> stored, Span<byte> page)
    {
        if (stored[..16].IndexOfAnyExcept((byte)0) < 0)
        {
            page.Clear();
            return;
        }
        Decrypt(_aes, stored, page);
    }

#pragma warning disable CA5358 // ECB: LiteDB's file format, see the class comment
    private static void Decrypt(Aes aes, ReadOnlySpan<byte> stored, Span<byte> plain) => aes.DecryptEcb(stored, plain, PaddingMode.None);
#pragma warning restore CA5358

    public void Dispose() => _aes.Dispose();
}

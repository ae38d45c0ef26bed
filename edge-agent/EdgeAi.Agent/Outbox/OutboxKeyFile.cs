using System.Security.Cryptography;
using EdgeAi.Agent.Enrollment;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Outbox;

/// <summary>Whether the outbox writes its file encrypted, and the key it has (which may open an encrypted file even when off).</summary>
internal sealed record OutboxEncryption(bool Enabled, string? Key)
{
    public static OutboxEncryption Off { get; } = new(false, null);

    /// <summary>What files are written with: the key when on, nothing when off.</summary>
    public string? Password => Enabled ? Key : null;
}

/// <summary>
/// The outbox key: 32 random bytes, base64 on one line (hex is read too), in an owner-only file beside
/// identity.json. Created at enrollment, or at the first start that needs it, atomically (a temporary file
/// made 0600 from creation, renamed into place, never over a key already there). A key file that group or
/// others can read is refused, as ssh refuses such a private key: the key is the whole of the protection,
/// so the agent does not start rather than go on as if the outbox were protected (the agent itself never
/// creates such a file: someone changed it, and <c>edge-agent check</c> names it).
/// </summary>
internal static class OutboxKeyFile
{
    public const string FileName = "outbox.key";
    private const int KeyBytes = 32;
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode GroupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    public static string PathFor(OutboxOptions options, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Path.GetFullPath(Path.Combine(dataDirectory, options.KeyFile is { Length: > 0 } configured ? configured : FileName));
    }

    /// <summary>
    /// Whether encryption is on. <see cref="OutboxEncryptionMode.Auto"/>: once the device has enrolled, or once a
    /// key exists (a device whose identity was removed keeps its outbox encrypted rather than rewrite it plain).
    /// </summary>
    public static bool IsEnabled(OutboxOptions options, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Encryption switch
        {
            OutboxEncryptionMode.On => true,
            OutboxEncryptionMode.Off => false,
            _ => File.Exists(Path.Combine(dataDirectory, DeviceIdentity.FileName)) || File.Exists(PathFor(options, dataDirectory)),
        };
    }

    /// <summary>Encryption as configured, creating the key when encryption is on and there is none yet.</summary>
    /// <exception cref="OptionsValidationException">The key file is readable by others or holds no key.</exception>
    public static OutboxEncryption Resolve(OutboxOptions options, string dataDirectory, ILogger logger)
    {
        var path = PathFor(options, dataDirectory);
        var enabled = IsEnabled(options, dataDirectory);
        var key = TryRead(path);
        if (key is null && enabled)
        {
            key = Create(path);
            OutboxLog.KeyCreated(logger, path);
        }
        return new OutboxEncryption(enabled, key);
    }

    /// <summary>The key in the file, or null when there is no file.</summary>
    /// <exception cref="OptionsValidationException">The file is readable by others or holds no key.</exception>
    public static string? TryRead(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        if (ModeProblem(path) is { } problem)
        {
            throw Refused(problem);
        }
        var key = File.ReadAllText(path).Trim();
        if (!IsKey(key))
        {
            throw Refused($"{path} holds no outbox key ({KeyBytes} bytes, base64 or hex): put the right key back, or delete the file to have the agent "
                + "create a new one (an outbox written with the old key is then moved aside unread)");
        }
        return key;
    }

    /// <summary>Why the file's mode is unsafe (group or others may use it), or null; always null on Windows, whose ACLs are not checked.</summary>
    public static string? ModeProblem(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }
        var mode = File.GetUnixFileMode(path);
        return (mode & GroupOrOthers) == 0
            ? null
            : $"{path} is accessible by group or others (mode {Convert.ToString((int)mode, 8)}); the outbox key must be owner-only: chmod 600 {path}";
    }

    /// <summary>Writes a new random key unless a key file exists already; returns the key the file holds.</summary>
    public static string Create(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeyBytes));
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }
        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(System.Text.Encoding.ASCII.GetBytes(key + "\n"));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: false);
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            return TryRead(path)!; // another process (enroll, a second start) wrote one first: that one is the key
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static bool IsKey(string text)
    {
        Span<byte> bytes = stackalloc byte[KeyBytes + 1];
        if (Convert.TryFromBase64String(text, bytes, out var written) && written == KeyBytes)
        {
            return true;
        }
        return text.Length == KeyBytes * 2 && text.All(char.IsAsciiHexDigit);
    }

    private static OptionsValidationException Refused(string message) =>
        new(OutboxOptions.Section, typeof(OutboxOptions), [$"Outbox:KeyFile {message}."]);
}

using System.Text;

namespace EdgeAi.Hub.Security;

/// <summary>Secrets on disk (admin key, signing key): created once, readable by the owner only.</summary>
internal static class OwnerOnlyFile
{
    /// <summary>Writes <paramref name="text"/> to a new file with mode 0600; false when the file already exists (someone else was first).</summary>
    public static bool TryCreate(string path, string text)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            // Set at creation, so the secret is never readable by others, not even for a moment.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        try
        {
            using var stream = new FileStream(path, options);
            stream.Write(Encoding.UTF8.GetBytes(text));
            stream.Flush(flushToDisk: true);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
    }
}

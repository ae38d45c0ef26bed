namespace EdgeAi.Hub.Security;

/// <summary>
/// Writes a file whole or not at all: into a staged name beside it, then renamed into place, so a
/// reader (another replica on a shared directory, or this hub after a crash) never sees half of it.
/// </summary>
internal static class StagedFile
{
    /// <param name="overwrite">False: when the file appeared meanwhile, the one already in place is kept.</param>
    public static void Replace(string path, ReadOnlySpan<byte> bytes, bool overwrite, bool ownerOnly = true)
    {
        var staged = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (ownerOnly && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        try
        {
            using (var stream = new FileStream(staged, options))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(staged, path, overwrite);
        }
        catch (IOException) when (!overwrite && File.Exists(path))
        {
        }
        finally
        {
            File.Delete(staged);
        }
    }
}

using System.Runtime.InteropServices;

namespace EdgeAi.Hub.Security;

/// <summary>
/// Writes a file whole or not at all: into a staged name beside it, then renamed into place, so a
/// reader (another replica on a shared directory, or this hub after a crash) never sees half of it.
/// </summary>
internal static class StagedFile
{
    private const int EEXIST = 17;

    [DllImport("libc", SetLastError = true)]
    private static extern int link(string oldpath, string newpath);

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
            if (overwrite || OperatingSystem.IsWindows())
            {
                // Windows' move without replace is atomic; with overwrite, rename(2) replaces atomically.
                File.Move(staged, path, overwrite);
            }
            else if (link(staged, path) != 0)
            {
                // File.Move without overwrite checks and then renames on Linux: two replicas can both "win" and the
                // second replace the first's secret. link(2) fails with EEXIST when the name is taken, atomically.
                var error = Marshal.GetLastPInvokeError();
                if (error != EEXIST)
                {
                    throw new IOException($"cannot create {path}: {Marshal.GetPInvokeErrorMessage(error)}");
                }
            }
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

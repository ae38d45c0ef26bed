using System.Diagnostics;
using System.IO.MemoryMappedFiles;

namespace EdgeAi.Testing;

/// <summary>
/// A POSIX shared-memory object as a local app makes one (what shm_open("/name", O_CREAT) creates: the file
/// /dev/shm/name), mapped on this side so tests and the benchmark write inputs and read outputs in place.
/// Disposing it unmaps and removes it.
/// </summary>
internal sealed class SharedMemoryObject : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;

    public SharedMemoryObject(long size, string prefix = "edgeai-test")
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("POSIX shared memory objects live in /dev/shm, on Linux");
        }
        Key = $"/{prefix}-{Guid.NewGuid():N}";
        Path = "/dev/shm" + Key;
        using (var file = new FileStream(Path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            file.SetLength(size);
        }
        File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _map = MemoryMappedFile.CreateFromFile(Path, FileMode.Open, mapName: null, size, MemoryMappedFileAccess.ReadWrite);
        _view = _map.CreateViewAccessor(0, size);
        Size = size;
    }

    /// <summary>The name a register request carries ("/name").</summary>
    public string Key { get; }

    public string Path { get; }

    public long Size { get; }

    public void Write(long offset, ReadOnlySpan<byte> bytes) => _view.WriteArray(offset, bytes.ToArray(), 0, bytes.Length);

    public byte[] Read(long offset, int length)
    {
        var bytes = new byte[length];
        _view.ReadArray(offset, bytes, 0, length);
        return bytes;
    }

    public void Chmod(UnixFileMode mode)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("POSIX shared memory objects live in /dev/shm, on Linux");
        }
        File.SetUnixFileMode(Path, mode);
    }

    /// <summary>Gives the object to another user (chown), as if another user had created it.</summary>
    public void Chown(int uid)
    {
        using var chown = Process.Start(new ProcessStartInfo("chown", [uid.ToString(System.Globalization.CultureInfo.InvariantCulture), Path])
        {
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("chown did not start");
        var error = chown.StandardError.ReadToEnd();
        chown.WaitForExit();
        if (chown.ExitCode != 0)
        {
            throw new InvalidOperationException($"chown {uid} {Path} failed: {error}");
        }
    }

    /// <summary>Shrinks (or grows) the object under whoever mapped it.</summary>
    public void Truncate(long size)
    {
        using var file = new FileStream(Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        file.SetLength(size);
    }

    public void Dispose()
    {
        _view.Dispose();
        _map.Dispose();
        File.Delete(Path);
    }
}

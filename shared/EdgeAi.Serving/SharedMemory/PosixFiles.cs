using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace EdgeAi.Serving.SharedMemory;

/// <summary>What the kernel says about a file: its identity, type, owner, mode bits and size.</summary>
internal readonly record struct FileStatus(ulong Device, ulong Inode, uint Uid, uint Gid, uint Mode, long Size)
{
    private const uint TypeMask = 0xF000; // S_IFMT
    private const uint Regular = 0x8000; // S_IFREG
    private const uint Directory = 0x4000; // S_IFDIR
    private const uint SymbolicLink = 0xA000; // S_IFLNK

    public bool IsRegularFile => (Mode & TypeMask) == Regular;

    /// <summary>The permission bits as the usual four octal digits (0660).</summary>
    public string Permissions => Convert.ToString(Mode & 0xFFF, 8).PadLeft(4, '0');

    public string Kind => (Mode & TypeMask) switch
    {
        Regular => "a regular file",
        Directory => "a directory",
        SymbolicLink => "a symbolic link",
        _ => "not a regular file (a device, FIFO or socket)",
    };
}

/// <summary>
/// The few POSIX calls .NET does not expose: the file's owner (statx: one layout on every architecture,
/// unlike struct stat) and the process's effective user and groups. LibraryImport keeps them trim- and AOT-safe.
/// </summary>
internal static partial class PosixFiles
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7FF;

    /// <summary>The path itself (a symbolic link is reported as one, not followed), or null when nothing is there.</summary>
    public static FileStatus? LinkStatus(string path)
    {
        var result = Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, out var buffer);
        if (result == 0)
        {
            return buffer.ToStatus();
        }
        var errno = Marshal.GetLastPInvokeError();
        return errno is 2 or 20 ? null : throw new IOException($"statx({path}) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
    }

    /// <summary>The open file, now: its size after any truncation since it was opened.</summary>
    public static FileStatus Status(SafeFileHandle handle)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var result = Statx((int)handle.DangerousGetHandle(), string.Empty, AtEmptyPath, StatxBasicStats, out var buffer);
            if (result != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new IOException($"statx on an open shared-memory object failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
            }
            return buffer.ToStatus();
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static readonly Lazy<(uint Uid, uint Gid, IReadOnlySet<uint> Groups)> ProcessIdentity = new(ReadIdentity);

    /// <summary>The effective user and every group (effective and supplementary) the kernel checks access against; read once.</summary>
    public static (uint Uid, uint Gid, IReadOnlySet<uint> Groups) Identity() => ProcessIdentity.Value;

    private static (uint Uid, uint Gid, IReadOnlySet<uint> Groups) ReadIdentity()
    {
        var uid = GetEffectiveUid();
        var gid = GetEffectiveGid();
        var groups = new HashSet<uint> { gid };
        var count = GetGroups(0, null);
        if (count > 0)
        {
            var list = new uint[count];
            count = GetGroups(list.Length, list);
            groups.UnionWith(list.Take(Math.Max(count, 0)));
        }
        return (uid, gid, groups);
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directoryFd, string path, int flags, uint mask, out StatxBuffer buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUid();

    [LibraryImport("libc", EntryPoint = "getegid")]
    private static partial uint GetEffectiveGid();

    [LibraryImport("libc", EntryPoint = "getgroups", SetLastError = true)]
    private static partial int GetGroups(int size, [Out] uint[]? list);

    /// <summary>struct statx from linux/stat.h: 256 bytes, the same on every architecture.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(20)] public uint Uid;
        [FieldOffset(24)] public uint Gid;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Inode;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(136)] public uint DeviceMajor;
        [FieldOffset(140)] public uint DeviceMinor;

        public readonly FileStatus ToStatus() =>
            new(((ulong)DeviceMajor << 32) | DeviceMinor, Inode, Uid, Gid, Mode, (long)Math.Min(Size, long.MaxValue));
    }
}

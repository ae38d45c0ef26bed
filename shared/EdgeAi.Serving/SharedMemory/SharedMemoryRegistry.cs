using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace EdgeAi.Serving.SharedMemory;

/// <summary>What status reports of one region, as Triton's RegionStatus has it.</summary>
public sealed record SharedMemoryRegionStatus(string Name, string Key, long Offset, long ByteSize);

/// <summary>
/// The system shared-memory regions this server's clients registered (Triton's system_shared_memory extension).
/// A key "/name" is the POSIX shared-memory object shm_open creates: the file /dev/shm/name. Regions live in
/// memory only: a restart forgets them, as Triton's do.
/// </summary>
public sealed class SharedMemoryRegistry : IDisposable
{
    /// <summary>Where shm_open keeps its objects on Linux.</summary>
    public const string DefaultDirectory = "/dev/shm";

    /// <summary>A key is "/" and a file name, which NAME_MAX limits to 255 bytes.</summary>
    public const int MaxKeyLength = 256;

    public const int MaxNameLength = 256;

    private readonly Dictionary<string, SharedMemoryRegion> _regions = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly string _directory;
    private readonly ILogger _logger;

    public SharedMemoryRegistry(ILogger<SharedMemoryRegistry> logger)
        : this(DefaultDirectory, logger)
    {
    }

    internal SharedMemoryRegistry(string directory, ILogger logger)
    {
        _directory = directory;
        _logger = logger;
    }

    /// <summary>Whether this machine has POSIX shared memory where the registry looks for it.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && Directory.Exists(DefaultDirectory);

    /// <summary>Checks the key, the object and the bounds, and maps the region. Every refusal says what was wrong.</summary>
    public void Register(string name, string key, ulong offset, ulong byteSize)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(key);
        CheckName(name);
        var path = Path.Combine(_directory, FileName(key));
        if (offset > long.MaxValue || byteSize > long.MaxValue || offset + byteSize > long.MaxValue)
        {
            throw InferenceException.Invalid($"region '{name}': offset {offset} and byte_size {byteSize} do not fit in a 64-bit file offset");
        }
        if (byteSize == 0)
        {
            throw InferenceException.Invalid($"region '{name}': byte_size is 0; give the size in bytes of the part of {key} to use");
        }
        ThrowIfRegistered(name);

        var (start, length) = ((long)offset, (long)byteSize);
        var found = PosixFiles.LinkStatus(path)
            ?? throw InferenceException.Invalid($"region '{name}': no shared-memory object {key} ({path} does not exist); create it with shm_open first");
        Check(name, key, path, found, start, length);
        var (uid, gid, groups) = PosixFiles.Identity();
        if (SharedMemoryAccess.Refusal(found, path, uid, gid, groups, write: false) is { } refusal)
        {
            throw new InferenceException(InferenceError.PermissionDenied, $"region '{name}': {refusal}");
        }

        var (file, writable) = Open(name, path);
        SharedMemoryRegion region;
        try
        {
            // What was opened must be what was checked: a file swapped in between (a symbolic link to elsewhere) is refused.
            var opened = PosixFiles.Status(file);
            if (opened.Device != found.Device || opened.Inode != found.Inode)
            {
                throw InferenceException.Invalid($"region '{name}': {path} was replaced while it was being registered; register it again");
            }
            Check(name, key, path, opened, start, length);
            writable &= SharedMemoryAccess.Refusal(opened, path, uid, gid, groups, write: true) is null;
            region = SharedMemoryRegion.Map(name, key, path, start, length, file, writable);
        }
        catch
        {
            file.Dispose();
            throw;
        }

        lock (_lock)
        {
            if (!_regions.TryAdd(name, region))
            {
                region.MarkUnregistered();
                throw AlreadyRegistered(name);
            }
        }
        SharedMemoryLog.Registered(_logger, name, path, start, start + length, writable ? "read-write" : "read-only");
    }

    /// <summary>Unregisters one region, or every region when <paramref name="name"/> is empty. An unknown name is not an error (as in Triton).</summary>
    public void Unregister(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        List<SharedMemoryRegion> removed;
        lock (_lock)
        {
            if (name.Length == 0)
            {
                removed = [.. _regions.Values];
                _regions.Clear();
            }
            else
            {
                removed = _regions.Remove(name, out var region) ? [region] : [];
            }
        }
        foreach (var region in removed)
        {
            var now = region.MarkUnregistered();
            SharedMemoryLog.Unregistered(_logger, region.Name, now ? string.Empty : " (unmapped when the requests using it end)");
        }
    }

    /// <summary>One region's status, or every region's when <paramref name="name"/> is empty; an unknown name is NOT_FOUND.</summary>
    public IReadOnlyList<SharedMemoryRegionStatus> Status(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_lock)
        {
            if (name.Length == 0)
            {
                return [.. _regions.Values.OrderBy(r => r.Name, StringComparer.Ordinal).Select(StatusOf)];
            }
            return _regions.TryGetValue(name, out var region)
                ? [StatusOf(region)]
                : throw NotRegistered(name);
        }
    }

    /// <summary>
    /// A lease on a registered region for one request; the caller releases it (<see cref="SharedMemoryRegion.Release"/>)
    /// when the request is done with the memory.
    /// </summary>
    internal SharedMemoryRegion Acquire(string name)
    {
        lock (_lock)
        {
            if (_regions.TryGetValue(name, out var region) && region.TryAcquire())
            {
                return region;
            }
        }
        throw NotRegistered(name);
    }

    public void Dispose() => Unregister(string.Empty);

    private static SharedMemoryRegionStatus StatusOf(SharedMemoryRegion r) => new(r.Name, r.Key, r.Offset, r.ByteSize);

    private void ThrowIfRegistered(string name)
    {
        lock (_lock)
        {
            if (_regions.ContainsKey(name))
            {
                throw AlreadyRegistered(name);
            }
        }
    }

    private static InferenceException AlreadyRegistered(string name) =>
        new(InferenceError.AlreadyExists, $"shared memory region '{name}' is already registered; unregister it first or pick another name");

    private static InferenceException NotRegistered(string name) =>
        new(InferenceError.NotFound, $"shared memory region '{name}' is not registered (never registered, or unregistered); register it first");

    private static void CheckName(string name)
    {
        if (name.Length == 0 || name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            throw InferenceException.Invalid($"region name must be 1-{MaxNameLength} characters without control characters");
        }
    }

    /// <summary>The file name a key stands for: one leading '/', no other '/', no "..", within NAME_MAX.</summary>
    private static string FileName(string key)
    {
        var fileName = key.Length > 1 && key[0] == '/' ? key[1..] : null;
        if (fileName is null || fileName.Contains('/', StringComparison.Ordinal) || fileName.Contains("..", StringComparison.Ordinal)
            || fileName == "." || key.Length > MaxKeyLength || fileName.Any(c => char.IsControl(c)))
        {
            throw InferenceException.Invalid(
                $"key '{Printable(key)}' is not a POSIX shared-memory name; expected '/' and a name of up to {MaxKeyLength - 1} characters with no other '/', no \"..\" and no control characters (e.g. \"/edgeai_input\")");
        }
        return fileName;
    }

    private static string Printable(string value)
    {
        var text = value.Length > 64 ? value[..64] + "..." : value;
        return string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
    }

    private static void Check(string name, string key, string path, FileStatus status, long offset, long byteSize)
    {
        if (!status.IsRegularFile)
        {
            throw InferenceException.Invalid($"region '{name}': {path} is {status.Kind}; a shared-memory object {key} is a regular file, as shm_open creates");
        }
        if (offset >= status.Size)
        {
            throw InferenceException.Invalid(
                $"region '{name}': offset {offset} is past the end of {key} ({status.Size.ToString(CultureInfo.InvariantCulture)} bytes)");
        }
        if (offset + byteSize > status.Size)
        {
            throw InferenceException.Invalid(
                $"region '{name}': offset {offset} + byte_size {byteSize} = {offset + byteSize} is past the end of {key} ({status.Size} bytes)");
        }
    }

    /// <summary>Opened for reading and writing where the agent may (outputs need it), else for reading only.</summary>
    private static (SafeFileHandle File, bool Writable) Open(string name, string path)
    {
        try
        {
            return (File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete), true);
        }
        catch (UnauthorizedAccessException)
        {
        }
        try
        {
            return (File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete), false);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InferenceException(InferenceError.PermissionDenied, $"region '{name}': the agent may not open {path}: {e.Message}", e);
        }
        catch (FileNotFoundException e)
        {
            throw new InferenceException(InferenceError.InvalidArgument, $"region '{name}': {path} disappeared while it was being registered", e);
        }
    }
}

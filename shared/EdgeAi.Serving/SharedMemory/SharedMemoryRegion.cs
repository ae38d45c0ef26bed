using System.Buffers;
using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;

namespace EdgeAi.Serving.SharedMemory;

/// <summary>
/// One registered region: the object opened and [offset, offset + byte_size) mapped once, at register. It stays
/// mapped while any request holds a lease: unregistering marks it, and the last lease to go unmaps it, so an
/// inference never runs on memory taken away under it.
/// </summary>
internal sealed unsafe class SharedMemoryRegion
{
    private readonly SafeFileHandle _file;
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _pointer;
    private readonly Lock _lock = new();
    private int _leases;
    private bool _unregistered;
    private bool _unmapped;

    private SharedMemoryRegion(string name, string key, string path, long offset, long byteSize, bool writable,
        SafeFileHandle file, MemoryMappedFile map, MemoryMappedViewAccessor view)
    {
        Name = name;
        Key = key;
        Path = path;
        Offset = offset;
        ByteSize = byteSize;
        Writable = writable;
        _file = file;
        _map = map;
        _view = view;
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        // The view starts at the page holding offset; PointerOffset is where offset lies within it.
        _pointer = pointer + view.PointerOffset;
    }

    public string Name { get; }

    public string Key { get; }

    public string Path { get; }

    public long Offset { get; }

    public long ByteSize { get; }

    /// <summary>False when the object could only be opened for reading: such a region serves inputs only.</summary>
    public bool Writable { get; }

    /// <summary>Maps an opened object; the caller has checked the bounds against its size.</summary>
    public static SharedMemoryRegion Map(string name, string key, string path, long offset, long byteSize, SafeFileHandle file, bool writable)
    {
        var access = writable ? MemoryMappedFileAccess.ReadWrite : MemoryMappedFileAccess.Read;
        var map = MemoryMappedFile.CreateFromFile(file, mapName: null, capacity: 0, access, HandleInheritability.None, leaveOpen: true);
        try
        {
            var view = map.CreateViewAccessor(offset, byteSize, access);
            return new SharedMemoryRegion(name, key, path, offset, byteSize, writable, file, map, view);
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    /// <summary>The object as it is now (fstat on the handle held since register).</summary>
    public FileStatus CurrentStatus() => PosixFiles.Status(_file);

    /// <summary>A lease, or null when the region was unregistered meanwhile.</summary>
    public bool TryAcquire()
    {
        lock (_lock)
        {
            if (_unregistered)
            {
                return false;
            }
            _leases++;
            return true;
        }
    }

    public void Release()
    {
        lock (_lock)
        {
            _leases--;
            if (_leases > 0 || !_unregistered)
            {
                return;
            }
        }
        Unmap();
    }

    /// <summary>Forgets the region; it is unmapped now if no request uses it, else when the last one ends. Returns whether it was unmapped now.</summary>
    public bool MarkUnregistered()
    {
        lock (_lock)
        {
            _unregistered = true;
            if (_leases > 0)
            {
                return false;
            }
        }
        Unmap();
        return true;
    }

    /// <summary>Memory over [offset, offset + length) of the region, valid while the caller holds a lease.</summary>
    public Memory<byte> Slice(long offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + length, ByteSize);
        return new MappedMemory(_pointer + offset, length).Memory;
    }

    private void Unmap()
    {
        lock (_lock)
        {
            if (_unmapped)
            {
                return;
            }
            _unmapped = true;
        }
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
        _file.Dispose();
    }

    /// <summary>
    /// Mapped memory as <see cref="Memory{T}"/>: pinning it hands out the mapped address itself (it never moves),
    /// so the input binder gives ONNX Runtime the region with no copy.
    /// </summary>
    private sealed class MappedMemory(byte* pointer, int length) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => new(pointer, length);

        public override MemoryHandle Pin(int elementIndex = 0)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, length);
            return new MemoryHandle(pointer + elementIndex);
        }

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}

using EdgeAi.Common.Sync;
using Google.Protobuf;

namespace EdgeAi.Agent.SyncDown;

/// <summary>
/// The last desired state the hub sent, kept in the data directory so the agent can cold-boot
/// offline from it. Written to a temporary file, flushed, then renamed over the old one: a kill
/// mid-write leaves the previous state, never half a file.
/// </summary>
internal sealed class DesiredStateStore
{
    public const string FileName = "desired-state.pb";
    private readonly string _path;
    private readonly Lock _gate = new();
    private DesiredState? _current;
    private bool _loaded;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DesiredStateStore(string dataDirectory)
    {
        _path = Path.Combine(dataDirectory, FileName);
    }

    /// <summary>The persisted state, or null when none was ever received (or the file is unreadable, which is reported by <see cref="LoadProblem"/>).</summary>
    public DesiredState? Current
    {
        get
        {
            lock (_gate)
            {
                Load();
                return _current;
            }
        }
    }

    public string? LoadProblem { get; private set; }

    /// <summary>
    /// Completes when a newer state is stored. Take it before reading <see cref="Current"/>, so a state
    /// stored in between is not missed.
    /// </summary>
    public Task Changed
    {
        get
        {
            lock (_gate)
            {
                return _changed.Task;
            }
        }
    }

    /// <summary>Stores <paramref name="state"/> unless it is older than (or the same revision as) what is stored; true when stored.</summary>
    public bool TrySave(DesiredState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        lock (_gate)
        {
            Load();
            if (_current is not null && state.Revision <= _current.Revision)
            {
                return false;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            var temporary = _path + ".tmp";
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                state.WriteTo(file);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, _path, overwrite: true);
            _current = state;
            var changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            changed.TrySetResult();
            return true;
        }
    }

    private void Load()
    {
        if (_loaded)
        {
            return;
        }
        _loaded = true;
        if (!File.Exists(_path))
        {
            return;
        }
        try
        {
            _current = DesiredState.Parser.ParseFrom(File.ReadAllBytes(_path));
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or IOException)
        {
            LoadProblem = $"{FileName} is unreadable ({e.Message}); waiting for the hub to send the desired state again";
        }
    }
}

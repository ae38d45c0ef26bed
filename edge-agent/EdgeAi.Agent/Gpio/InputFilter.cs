namespace EdgeAi.Agent.Gpio;

/// <summary>What became of a change seen on an input.</summary>
internal enum InputVerdict
{
    /// <summary>Nothing to report yet (a change waiting out its debounce, or a repeat of the current level).</summary>
    None,

    /// <summary>A configured edge that triggers.</summary>
    Triggered,

    /// <summary>A change undone within the debounce time (contact bounce): never reported as an edge.</summary>
    Bounced,

    /// <summary>A configured edge inside the hold-off after the last trigger: counted, not triggered.</summary>
    HeldOff,

    /// <summary>A real change, but of the edge this input does not watch (falling on a rising input).</summary>
    OtherEdge,
}

/// <summary>A verdict with the logical level it is about and when that level began (for latency: the first edge of it).</summary>
internal readonly record struct InputChange(InputVerdict Verdict, bool Level, TimeSpan Since);

/// <summary>
/// Debounce and hold-off for one input, on logical levels and monotonic times, with no clock of its own
/// (the edge pump gives it the times), so it is tested with a fake clock. Debounce: a new level counts once
/// it has held for the debounce time; a change undone sooner is a bounce. Hold-off: at most one trigger per
/// hold-off interval, measured from when the triggering level began.
/// </summary>
internal sealed class InputFilter
{
    private readonly string _edge;
    private readonly TimeSpan _debounce;
    private readonly TimeSpan _holdOff;
    private bool _stable;
    private bool _pending;
    private bool _candidate;
    private TimeSpan _candidateSince;
    private TimeSpan? _lastTrigger;

    public InputFilter(string edge, TimeSpan debounce, TimeSpan holdOff, bool initialLevel)
    {
        _edge = edge;
        _debounce = debounce;
        _holdOff = holdOff;
        _stable = initialLevel;
    }

    /// <summary>The level edges are judged against: the last one that held for the debounce time.</summary>
    public bool Level => _stable;

    /// <summary>When a pending change will have held long enough (call <see cref="Poll"/> then); null when none is pending.</summary>
    public TimeSpan? Due => _pending ? _candidateSince + _debounce : null;

    /// <summary>The input read <paramref name="level"/> at <paramref name="at"/>.</summary>
    public InputChange Observe(bool level, TimeSpan at)
    {
        if (_debounce <= TimeSpan.Zero)
        {
            return level == _stable ? new(InputVerdict.None, level, at) : Accept(level, at);
        }
        if (_pending && level == _stable)
        {
            _pending = false; // back where it was before the debounce time ran out
            return new(InputVerdict.Bounced, level, _candidateSince);
        }
        if (level != _stable && (!_pending || level != _candidate))
        {
            _pending = true;
            _candidate = level;
            _candidateSince = at;
        }
        return new(InputVerdict.None, level, at);
    }

    /// <summary>Settles a pending change whose debounce time is over by <paramref name="now"/>.</summary>
    public InputChange Poll(TimeSpan now)
    {
        if (!_pending || now < _candidateSince + _debounce)
        {
            return new(InputVerdict.None, _stable, now);
        }
        _pending = false;
        return Accept(_candidate, _candidateSince);
    }

    private InputChange Accept(bool level, TimeSpan since)
    {
        _stable = level;
        var watched = _edge switch
        {
            PinEdges.Both => true,
            PinEdges.Falling => !level,
            _ => level,
        };
        if (!watched)
        {
            return new(InputVerdict.OtherEdge, level, since);
        }
        if (_lastTrigger is { } last && since - last < _holdOff)
        {
            return new(InputVerdict.HeldOff, level, since);
        }
        _lastTrigger = since;
        return new(InputVerdict.Triggered, level, since);
    }
}

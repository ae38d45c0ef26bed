using EdgeAi.Common.Service;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Common.Tests.Service;

public sealed class SystemdWatchdogTests : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new();
    private readonly FakeLifetime _lifetime = new();
    private readonly RecordingNotifier _notifier = new();

    public void Dispose() => _lifetime.Dispose();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private SystemdWatchdog Watchdog(ILivenessProbe probe, TimeSpan? interval = null, RecordingNotifier? notifier = null) =>
        new(notifier ?? _notifier, [probe], _lifetime, new SystemdWatchdogOptions(interval ?? Interval), _time, NullLogger<SystemdWatchdog>.Instance);

    private async Task<string> NextAsync() => await _notifier.Sent.Reader.ReadAsync(Token).AsTask().WaitAsync(Wait, Token);

    [Fact]
    public async Task Starting_HostNotStartedYet_FedAtOnceAndEachIntervalWithoutProbing()
    {
        var probe = new ScriptedProbe("never asked");
        using var watchdog = Watchdog(probe);

        await watchdog.StartingAsync(Token);
        (await NextAsync()).ShouldBe("WATCHDOG=1");
        _time.Advance(Interval);
        (await NextAsync()).ShouldBe("WATCHDOG=1");
        await watchdog.StoppingAsync(Token);

        probe.Calls.Reader.Count.ShouldBe(0);
    }

    [Fact]
    public async Task Started_ProbeReportsProblem_NotFedUntilLiveAgain()
    {
        _lifetime.Started();
        var probe = new ScriptedProbe("http://127.0.0.1:8000/healthz answered 503", null);
        using var watchdog = Watchdog(probe);

        await watchdog.StartingAsync(Token);
        (await probe.Calls.Reader.ReadAsync(Token).AsTask().WaitAsync(Wait, Token)).ShouldBe(1);
        _time.Advance(Interval);

        (await NextAsync()).ShouldBe("WATCHDOG=1");
        (await probe.Calls.Reader.ReadAsync(Token)).ShouldBe(2);
        _notifier.Sent.Reader.Count.ShouldBe(0, "the first tick, not live, sent nothing");
        await watchdog.StoppingAsync(Token);
    }

    [Fact]
    public async Task Started_ProbeHangs_CountsAsNotLiveAfterHalfTheInterval()
    {
        _lifetime.Started();
        var probe = new ScriptedProbe { Hang = true };
        using var watchdog = Watchdog(probe);

        await watchdog.StartingAsync(Token);
        await probe.Calls.Reader.ReadAsync(Token).AsTask().WaitAsync(Wait, Token);
        _time.Advance(Interval / 2);
        probe.Hang = false;
        _time.Advance(Interval / 2);

        (await NextAsync()).ShouldBe("WATCHDOG=1");
        (await probe.Calls.Reader.ReadAsync(Token)).ShouldBe(2);
        _notifier.Sent.Reader.Count.ShouldBe(0, "the hanging probe's tick sent nothing");
        await watchdog.StoppingAsync(Token);
    }

    [Fact]
    public async Task Stopping_NoMorePings()
    {
        using var watchdog = Watchdog(new ScriptedProbe());
        await watchdog.StartingAsync(Token);
        await NextAsync();

        await watchdog.StoppingAsync(Token);
        _time.Advance(Interval * 3);

        _notifier.Sent.Reader.Count.ShouldBe(0);
    }

    [Fact]
    public async Task Starting_NoWatchdogAskedOrNoNotifySocket_NothingSent()
    {
        using var off = new SystemdWatchdog(_notifier, [], _lifetime, new SystemdWatchdogOptions(null), _time, NullLogger<SystemdWatchdog>.Instance);
        var disabled = new RecordingNotifier(enabled: false);
        using var noSocket = Watchdog(new ScriptedProbe(), notifier: disabled);

        await off.StartingAsync(Token);
        await noSocket.StartingAsync(Token);
        _time.Advance(Interval * 2);
        await off.StoppingAsync(Token);
        await noSocket.StoppingAsync(Token);

        _notifier.Sent.Reader.Count.ShouldBe(0);
        disabled.Sent.Reader.Count.ShouldBe(0);
    }
}

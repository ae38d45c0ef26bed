using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Testing;

/// <summary>
/// Fake time that says when its first timer is made, so a test moves time only once the code under test waits on it
/// (code that starts its delay on the thread pool would otherwise see the advance happen before it). Also compiled into
/// EdgeAi.Agent.Tests and EdgeAi.Hub.Tests.
/// </summary>
internal sealed class SignallingTime : FakeTimeProvider
{
    private readonly TaskCompletionSource _timerCreated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task TimerCreated => _timerCreated.Task;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _timerCreated.TrySetResult();
        return timer;
    }
}

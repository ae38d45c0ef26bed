using System.Threading.Channels;
using EdgeAi.Common.Service;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;

namespace EdgeAi.Common.Tests.Service;

/// <summary>An <see cref="ISystemdNotifier"/> that keeps what it was told.</summary>
internal sealed class RecordingNotifier(bool enabled = true) : ISystemdNotifier
{
    public Channel<string> Sent { get; } = Channel.CreateUnbounded<string>();

    public bool IsEnabled => enabled;

    public void Notify(ServiceState state) => Sent.Writer.TryWrite(state.ToString());
}

internal sealed class FakeLifetime : IHostApplicationLifetime, IDisposable
{
    private readonly CancellationTokenSource _started = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _stopped = new();

    public CancellationToken ApplicationStarted => _started.Token;

    public CancellationToken ApplicationStopping => _stopping.Token;

    public CancellationToken ApplicationStopped => _stopped.Token;

    public void Started() => _started.Cancel();

    public void StopApplication() => _stopping.Cancel();

    public void Dispose()
    {
        _started.Dispose();
        _stopping.Dispose();
        _stopped.Dispose();
    }
}

/// <summary>A probe that answers from a script (null: live) and reports each call.</summary>
internal sealed class ScriptedProbe(params string?[] answers) : ILivenessProbe
{
    private int _calls;

    public Channel<int> Calls { get; } = Channel.CreateUnbounded<int>();

    /// <summary>Set: the probe does not answer until it is cancelled.</summary>
    public bool Hang { get; set; }

    public async Task<string?> ProblemAsync(CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref _calls);
        Calls.Writer.TryWrite(call);
        if (Hang)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        return answers.Length == 0 ? null : answers[Math.Min(call, answers.Length) - 1];
    }
}

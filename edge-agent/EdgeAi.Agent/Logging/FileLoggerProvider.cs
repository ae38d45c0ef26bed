using System.Globalization;
using System.Text;
using System.Threading.Channels;
using EdgeAi.Agent.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Logging;

/// <summary>
/// Writes the agent's log to rotated files (<see cref="LogFiles"/>) beside its data. Loggers only queue a
/// line (bounded: under a flood the newest lines are dropped and counted, a caller never waits on the disk);
/// one task writes them and flushes whenever the queue is empty, so another process reading the file sees
/// the log within moments. Nothing is written until the host starts (<see cref="FileLogStarter"/>): the
/// commands that build the host only to inspect it (<c>check</c>, <c>support-bundle</c>) must not write
/// into, or rotate, the files of an agent that is running.
/// </summary>
[ProviderAlias("File")]
internal sealed class FileLoggerProvider : ILoggerProvider
{
    private const int QueueLines = 10_000;

    private readonly Channel<string> _lines = Channel.CreateBounded<string>(new BoundedChannelOptions(QueueLines)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });
    private readonly FileLogOptions _options;
    private readonly string _directory;
    private readonly TimeProvider _time;
    private Task? _writer;
    private long _dropped;
    private long _failed;

    public FileLoggerProvider(IOptions<FileLogOptions> options, IOptions<AgentOptions> agent, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(agent);
        _options = options.Value;
        _directory = _options.DirectoryUnder(agent.Value.DataDirectory);
        _time = time;
    }

    /// <summary>Lines lost: the queue was full, or the disk refused them.</summary>
    public long Dropped => Interlocked.Read(ref _dropped) + Interlocked.Read(ref _failed);

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    /// <summary>Starts writing (what was logged before is written first); once.</summary>
    public void Start()
    {
        if (_options.Enabled)
        {
            _writer ??= Task.Run(WriteAsync);
        }
    }

    public void Dispose()
    {
        _lines.Writer.TryComplete();
        // Bounded: a stuck disk must not hold up the agent's shutdown.
        _writer?.Wait(TimeSpan.FromSeconds(2));
    }

    private void Enqueue(LogLevel level, string category, EventId eventId, string message, Exception? exception)
    {
        var line = new StringBuilder(128 + message.Length)
            .Append(_time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Append(' ')
            .Append(Label(level)).Append(' ').Append(category);
        if (eventId.Id != 0)
        {
            line.Append('[').Append(eventId.Id.ToString(CultureInfo.InvariantCulture)).Append(']');
        }
        line.Append(": ").Append(message).Append('\n');
        if (exception is not null)
        {
            line.Append("    ").Append(exception.ToString().ReplaceLineEndings("\n    ")).Append('\n');
        }
        if (!_lines.Writer.TryWrite(line.ToString()))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    private async Task WriteAsync()
    {
        using var files = new LogFiles(_directory, _options.MaxFileBytes, _options.MaxFiles);
        var reader = _lines.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            try
            {
                while (reader.TryRead(out var line))
                {
                    files.Append(line);
                }
                files.Flush();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A full or read-only disk: the console log still has the line; this file starts again when it can.
                Interlocked.Increment(ref _failed);
                files.Dispose();
            }
        }
    }

    private static string Label(LogLevel level) => level switch
    {
        LogLevel.Trace => "TRACE",
        LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO ",
        LogLevel.Warning => "WARN ",
        LogLevel.Error => "ERROR",
        _ => "CRIT ",
    };

    private sealed class FileLogger(FileLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && provider._options.Enabled;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            if (IsEnabled(logLevel))
            {
                provider.Enqueue(logLevel, category, eventId, formatter(state, exception), exception);
            }
        }
    }
}

/// <summary>Starts the file log when the host starts (and only then: see <see cref="FileLoggerProvider"/>).</summary>
internal sealed class FileLogStarter(FileLoggerProvider provider) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        provider.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

using System.Globalization;
using EdgeAi.Common.IO;

namespace EdgeAi.Hub.Cli;

/// <summary>
/// Upload progress on stderr: on a terminal one line redrawn with '\r' (percent, MB, MB/s) at most
/// ten times a second; when stderr is redirected, a plain line every 10%, so logs stay readable.
/// </summary>
internal sealed class UploadProgress(long total, TextWriter error, bool interactive, TimeProvider time)
{
    private readonly long _started = time.GetTimestamp();
    private long _sent;
    private long _lastDrawn = long.MinValue;
    private int _lastDecile = -1;

    public void Report(long bytes)
    {
        if (bytes == 0)
        {
            return;
        }
        _sent += bytes;
        if (interactive)
        {
            var now = time.GetTimestamp();
            if (_sent < total && _lastDrawn != long.MinValue && time.GetElapsedTime(_lastDrawn, now) < TimeSpan.FromMilliseconds(100))
            {
                return;
            }
            _lastDrawn = now;
            error.Write($"\r{Line()}   ");
        }
        else
        {
            var decile = total == 0 ? 10 : (int)(_sent * 10 / total);
            if (decile > _lastDecile)
            {
                _lastDecile = decile;
                error.WriteLine(Line());
            }
        }
    }

    public void Done()
    {
        if (interactive)
        {
            error.WriteLine();
        }
    }

    private string Line()
    {
        var percent = total == 0 ? 100 : _sent * 100 / total;
        var seconds = Math.Max(time.GetElapsedTime(_started).TotalSeconds, 1e-3);
        return string.Create(CultureInfo.InvariantCulture,
            $"{percent,3}%  {_sent / 1e6:F1}/{total / 1e6:F1} MB  {_sent / 1e6 / seconds:F1} MB/s");
    }
}

/// <summary>A read-only view of a file that reports every read to an <see cref="UploadProgress"/>.</summary>
internal sealed class ProgressStream(Stream inner, UploadProgress progress) : ReadOnlyStream(inner)
{
    public override long Length => Inner.Length;

    public override long Position
    {
        get => Inner.Position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = Inner.Read(buffer, offset, count);
        progress.Report(read);
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        progress.Report(read);
        return read;
    }
}

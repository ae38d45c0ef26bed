using System.Globalization;

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
internal sealed class ProgressStream(Stream inner, UploadProgress progress) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        progress.Report(read);
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        progress.Report(read);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}

using System.Text;

namespace EdgeAi.Agent.Logging;

/// <summary>
/// The rotated set of log files in one directory: <c>agent.log</c> is written, and when it would pass the size
/// limit it becomes <c>agent.1.log</c> (the older ones move up one, the oldest is deleted). Writes append; the
/// files are opened so that a reader (a support bundle made by another process) can read them meanwhile.
/// </summary>
internal sealed class LogFiles(string directory, long maxFileBytes, int maxFiles) : IDisposable
{
    public const string CurrentName = "agent.log";

    private FileStream? _file;

    public string Directory { get; } = directory;

    /// <summary>The set's files that exist, oldest first (so their lines read in order).</summary>
    public static IReadOnlyList<string> Existing(string directory, int maxFiles)
    {
        var files = new List<string>();
        for (var i = maxFiles - 1; i >= 0; i--)
        {
            var path = Path.Combine(directory, NameOf(i));
            if (File.Exists(path))
            {
                files.Add(path);
            }
        }
        return files;
    }

    public static string NameOf(int index) => index == 0 ? CurrentName : $"agent.{index}.log";

    public void Append(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var file = _file ??= Open();
        if (file.Length > 0 && file.Length + bytes.Length > maxFileBytes)
        {
            Rotate();
            file = _file = Open();
        }
        file.Write(bytes);
    }

    public void Flush() => _file?.Flush();

    public void Dispose()
    {
        _file?.Dispose();
        _file = null;
    }

    private FileStream Open()
    {
        System.IO.Directory.CreateDirectory(Directory);
        return new FileStream(Path.Combine(Directory, CurrentName), FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
    }

    private void Rotate()
    {
        Dispose();
        File.Delete(Path.Combine(Directory, NameOf(maxFiles - 1)));
        for (var i = maxFiles - 2; i >= 0; i--)
        {
            var from = Path.Combine(Directory, NameOf(i));
            if (File.Exists(from))
            {
                File.Move(from, Path.Combine(Directory, NameOf(i + 1)), overwrite: true);
            }
        }
    }
}

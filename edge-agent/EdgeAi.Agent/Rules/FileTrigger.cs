using System.Threading.Channels;

namespace EdgeAi.Agent.Rules;

/// <summary>
/// A file rule's trigger: a <see cref="FileSystemWatcher"/> on the directory (files created or renamed into a
/// name the glob matches, so a camera that writes a temporary file and renames it triggers once, on the final
/// name). A new file triggers once its size has held for the settle time, so a rule never reads a half-written
/// picture. A directory that does not exist yet is waited for. Runs as one supervised loop per rule.
/// </summary>
internal sealed class FileTrigger(string rule, RuleTriggerOptions options, TimeProvider time, ILogger logger, Action<string> onFile)
{
    private static readonly TimeSpan DirectoryPoll = TimeSpan.FromSeconds(2);

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var directory = options.Directory!;
        if (!Directory.Exists(directory))
        {
            RulesLog.DirectoryMissing(logger, rule, directory);
            while (!Directory.Exists(directory))
            {
                await Task.Delay(DirectoryPoll, time, stoppingToken).ConfigureAwait(false);
            }
        }
        var found = Channel.CreateBounded<string>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        using var watcher = new FileSystemWatcher(directory)
        {
            IncludeSubdirectories = false,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.LastWrite,
        };
        watcher.Created += (_, e) => Offer(found, e.Name, e.FullPath);
        watcher.Renamed += (_, e) => Offer(found, e.Name, e.FullPath);
        watcher.Error += (_, e) => RulesLog.WatcherError(logger, rule, directory, e.GetException().Message);
        watcher.EnableRaisingEvents = true;
        await foreach (var path in found.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            if (await SettledAsync(path, stoppingToken).ConfigureAwait(false))
            {
                onFile(path);
            }
        }
    }

    private void Offer(Channel<string> found, string? name, string path)
    {
        if (name is not null && RuleInputs.Matches(options.Pattern, Path.GetFileName(name)))
        {
            found.Writer.TryWrite(path);
        }
    }

    /// <summary>True once the file's length holds for the settle time; false when it went away meanwhile.</summary>
    private async Task<bool> SettledAsync(string path, CancellationToken stoppingToken)
    {
        long? previous = null;
        while (true)
        {
            long length;
            try
            {
                var file = new FileInfo(path);
                if (!file.Exists)
                {
                    return false;
                }
                length = file.Length;
            }
            catch (IOException)
            {
                return false;
            }
            if (length == previous || options.Settle <= TimeSpan.Zero)
            {
                return true;
            }
            previous = length;
            await Task.Delay(options.Settle, time, stoppingToken).ConfigureAwait(false);
        }
    }
}

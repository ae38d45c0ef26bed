namespace EdgeAi.Common.Diagnostics;

/// <summary>
/// The data directory exists, takes a write (a probe file, created and deleted) and has room: WARN under
/// <see cref="MinimumFreeBytes"/> or <see cref="MinimumFreeShare"/> of the disk, because a full disk stops the
/// outbox, model downloads and the store long before anything else complains.
/// </summary>
public sealed class DataDirectoryCheck(string id, string path, string createFix) : IDiagnosticCheck
{
    public const long MinimumFreeBytes = 500L * 1024 * 1024;
    public const double MinimumFreeShare = 0.05;

    public Task<IReadOnlyList<CheckResult>> RunAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<CheckResult>>([Run()]);

    private CheckResult Run()
    {
        if (File.Exists(path))
        {
            return CheckResult.Fail(id, $"{path} is a file, not a directory", $"move the file away, or point the data directory elsewhere ({createFix})");
        }
        if (!Directory.Exists(path))
        {
            return CheckResult.Warn(id, $"{path} does not exist yet", $"it is created at the first start; to use another one: {createFix}");
        }
        var probe = Path.Combine(path, $".check-{Environment.ProcessId}.tmp");
        try
        {
            File.WriteAllBytes(probe, [1]);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return CheckResult.Fail(id, $"{path} is not writable: {e.Message}", $"give the service's user write access (chown -R USER {path}), or {createFix}");
        }
        DriveInfo drive;
        try
        {
            drive = new DriveInfo(path);
            return Space(id, path, drive.AvailableFreeSpace, drive.TotalSize);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return CheckResult.Warn(id, $"{path} is writable; its free space cannot be read: {e.Message}", "check the disk with: df -h " + path);
        }
    }

    /// <summary>The verdict on free space, apart from the file system so it can be tested with any numbers.</summary>
    public static CheckResult Space(string id, string path, long freeBytes, long totalBytes)
    {
        var share = totalBytes > 0 ? (double)freeBytes / totalBytes : 1.0;
        var found = $"{path} is writable, {Mib(freeBytes)} MiB free ({share:P0} of {Mib(totalBytes)} MiB)";
        return freeBytes < MinimumFreeBytes || share < MinimumFreeShare
            ? CheckResult.Warn(id, found + $"; below {Mib(MinimumFreeBytes)} MiB or {MinimumFreeShare:P0}", $"free space on the disk that holds {path} (df -h {path})")
            : CheckResult.Ok(id, found);
    }

    private static long Mib(long bytes) => bytes / (1024 * 1024);
}

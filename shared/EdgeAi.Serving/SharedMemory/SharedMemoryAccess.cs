namespace EdgeAi.Serving.SharedMemory;

/// <summary>
/// Whether the agent's user may use a shared-memory object, decided from its owner and mode bits as the kernel
/// would for that user WITHOUT root's override: the agent often runs as root, where open() succeeds on anything,
/// and a region another user kept private must still be refused.
/// </summary>
internal static class SharedMemoryAccess
{
    private const uint Read = 4;
    private const uint Write = 2;

    /// <summary>
    /// Null when allowed, else why not and how to fix it. The kernel picks one class of bits: the owner's when the
    /// agent owns it, else the group's when it is in the file's group, else the others'.
    /// </summary>
    public static string? Refusal(FileStatus status, string path, uint uid, uint gid, IReadOnlySet<uint> groups, bool write)
    {
        var shift = status.Uid == uid ? 6 : groups.Contains(status.Gid) ? 3 : 0;
        var needed = write ? Read | Write : Read;
        if (((status.Mode >> shift) & needed) == needed)
        {
            return null;
        }
        var what = write ? "read and write" : "read";
        return $"{path} has mode {status.Permissions} owned by uid {status.Uid} (gid {status.Gid}): the agent (uid {uid}, gid {gid}) may not {what} it; "
            + (status.Uid == uid
                ? $"give its owner {what} permission (e.g. mode 0600)"
                : "create it with mode 0660 in the agent's group, or as the agent's user");
    }
}

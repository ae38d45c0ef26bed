using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace EdgeAi.Common.Sync;

/// <summary>
/// What agent and hub agree on for support bundles: the command's name on the <c>commands</c> topic (its
/// <c>Command.id</c> is the request id), the request id's form, and the upload's chunk size.
/// </summary>
public static class SupportBundles
{
    /// <summary><c>Command.name</c> of the hub's request for a support bundle.</summary>
    public const string CommandName = "support_bundle";

    /// <summary>
    /// Bytes per UploadSupportBundle chunk: well under the fleet service's 64 KiB message limit, which
    /// keeps Enroll (open to anyone) small; a bundle is a few MiB at most, so the chunk count stays low.
    /// </summary>
    public const int ChunkBytes = 32 * 1024;

    /// <summary>"sb-" and 1 to 64 of [a-z0-9-]: safe as a file name on the hub.</summary>
    public static bool IsValidRequestId([NotNullWhen(true)] string? requestId) =>
        requestId is { Length: > 3 and <= 67 } && requestId.StartsWith("sb-", StringComparison.Ordinal)
        && !requestId.AsSpan(3).ContainsAnyExcept(RequestIdCharacters);

    private static readonly SearchValues<char> RequestIdCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-");
}

using System.Text;

namespace EdgeAi.Hub.Security;

/// <summary>Secrets on disk (admin key, signing key): created once, readable by the owner only.</summary>
internal static class OwnerOnlyFile
{
    /// <summary>
    /// Writes <paramref name="text"/> to a new file with mode 0600; false when the file already exists
    /// (someone else was first). Staged and renamed into place, so a replica starting at the same moment
    /// on a shared directory reads the whole secret or none, never an empty file.
    /// </summary>
    public static bool TryCreate(string path, string text)
    {
        if (File.Exists(path))
        {
            return false;
        }
        StagedFile.Replace(path, Encoding.UTF8.GetBytes(text), overwrite: false);
        // The rename refuses to replace: the text is in place only if ours won.
        return File.ReadAllText(path) == text;
    }
}

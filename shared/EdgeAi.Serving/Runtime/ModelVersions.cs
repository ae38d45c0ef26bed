namespace EdgeAi.Serving.Runtime;

/// <summary>Orders model versions: numerically when both are integers ("10" after "9"), else ordinally.</summary>
public sealed class ModelVersions : IComparer<string>
{
    public static readonly ModelVersions Comparer = new();

    public int Compare(string? x, string? y)
    {
        if (long.TryParse(x, out var a) && long.TryParse(y, out var b))
        {
            return a.CompareTo(b);
        }
        return string.CompareOrdinal(x, y);
    }
}
